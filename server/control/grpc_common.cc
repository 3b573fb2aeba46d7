#include "server/control/grpc_common.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sable::control {

bool ReadPemFile(const std::string& path, std::string* out, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "Can't read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace sable::control
