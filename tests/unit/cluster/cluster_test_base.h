// A ServerTestBase whose server runs with cluster-enabled yes, its nodes.conf in a temporary
// folder removed afterwards. The node knows only itself and owns no slot yet.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "cluster/cluster.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {

class ClusterTestBase : public ServerTestBase {
 protected:
  ClusterTestBase() {
    server_->RemoveLocalClient(client_);
    server_.reset();
    char tmpl[] = "/tmp/sable-cluster-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    config_->values().cluster_enabled = true;
    config_->values().cluster_config_file = dir_ + "/nodes.conf";
    server_ = std::make_unique<Server>(config_.get());
    client_ = server_->AddLocalClient(&out_);
    EXPECT_EQ(server_->cluster()->LoadConfig(), "");
  }
  ~ClusterTestBase() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

}  // namespace sable
