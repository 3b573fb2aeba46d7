// Writer -> reader round trips through in-process servers, and the loader's refusals: truncated
// or corrupt files, unknown versions, types this server lacks. A refused load leaves the
// server's data untouched.
#include <string>
#include <vector>

#include "server/persist/crc64.h"
#include "server/persist/rdb_reader.h"
#include "server/persist/rdb_writer.h"
#include "server/repl/repl_state.h"
#include "server/scripting/function_store.h"
#include "server/util/clock.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

class RdbRoundTripTest : public ServerTestBase {
 protected:
  std::string Save(bool compress = true, bool checksum = true) {
    std::string out, err;
    StringSink sink(&out);
    RdbSaveOptions opts;
    opts.compress = compress;
    opts.checksum = checksum;
    EXPECT_TRUE(WriteRdb(*server_, sink, opts, &err)) << err;
    return out;
  }

  // Loads into a second, fresh server; returns the error text ("" on success).
  std::string LoadInto(Server& target, std::string_view bytes, RdbLoadInfo* info = nullptr) {
    StringSource src(bytes);
    RdbLoadOptions opts;
    std::string err;
    RdbLoadInfo local;
    if (!LoadRdb(target, src, opts, info ? info : &local, &err)) return err.empty() ? "?" : err;
    return "";
  }

  std::unique_ptr<Server> NewServer() { return std::make_unique<Server>(config_.get()); }

  void Populate() {
    Run({"SET", "int", "12345"});
    Run({"SET", "neg", "-9223372036854775808"});
    Run({"SET", "embstr", "hello world"});
    Run({"SET", "raw", std::string(100, 'r')});
    Run({"SET", "binary", std::string("a\0b\r\n\xff", 6)});
    Run({"SET", "empty", ""});
    Run({"SET", "big", std::string(300000, 'z')});
    Run({"SET", "ttl", "v", "PX", "100000"});
    Run({"SELECT", "15"});
    Run({"SET", "in15", "x"});
    Run({"SELECT", "0"});
  }
};

TEST_F(RdbRoundTripTest, EverythingComesBack) {
  Populate();
  for (bool compress : {true, false}) {
    std::string bytes = Save(compress);
    EXPECT_EQ(bytes.substr(0, 9), "REDIS0010");
    auto other = NewServer();
    RdbLoadInfo info;
    ASSERT_EQ(LoadInto(*other, bytes, &info), "");
    EXPECT_EQ(info.version, 10);
    EXPECT_EQ(info.keys_loaded, 9u);
    EXPECT_EQ(info.aux["redis-ver"], "7.0.15");
    EXPECT_FALSE(info.aof_base);
    EXPECT_EQ(info.bytes, bytes.size());
    Db& db0 = other->db(0);
    EXPECT_EQ(db0.size(), 8u);
    EXPECT_EQ(other->db(15).size(), 1u);
    char buf[32];
    Entry* e = db0.Find("int");
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(e->IsInt());
    EXPECT_EQ(e->IntValue(), 12345);
    EXPECT_EQ(db0.Find("neg")->StringValue(buf), "-9223372036854775808");
    EXPECT_EQ(db0.Find("embstr")->EncodingName(), "embstr");
    EXPECT_EQ(db0.Find("raw")->EncodingName(), "raw");
    EXPECT_EQ(db0.Find("binary")->StringValue(buf), std::string("a\0b\r\n\xff", 6));
    EXPECT_EQ(db0.Find("empty")->StringLength(), 0u);
    EXPECT_EQ(*db0.Find("big")->RawString(), std::string(300000, 'z'));
    Entry* t = db0.Find("ttl");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(db0.GetExpire(t), server_->db(0).GetExpire(server_->db(0).Find("ttl")));
    EXPECT_EQ(db0.GetExpire(db0.Find("int")), -1);
  }
}

// Replication info (rdbSaveInfo) goes where Redis 7.0 writes it: after used-mem, before aof-base,
// and comes back parsed.
TEST_F(RdbRoundTripTest, ReplicationAuxFieldsRoundTrip) {
  Run({"SET", "k", "v"});
  const std::string id(kReplIdLen, 'a');
  std::string out, err;
  StringSink sink(&out);
  RdbSaveOptions opts;
  opts.extra_aux = {{"repl-stream-db", "3"}, {"repl-id", id}, {"repl-offset", "123456789012"}};
  ASSERT_TRUE(WriteRdb(*server_, sink, opts, &err)) << err;
  size_t used = out.find("used-mem"), db = out.find("repl-stream-db"), rid = out.find("repl-id"),
         off = out.find("repl-offset"), base = out.find("aof-base");
  ASSERT_NE(db, std::string::npos);
  EXPECT_LT(used, db);
  EXPECT_LT(db, rid);
  EXPECT_LT(rid, off);
  EXPECT_LT(off, base);
  auto other = NewServer();
  RdbLoadInfo info;
  ASSERT_EQ(LoadInto(*other, out, &info), "");
  EXPECT_EQ(info.repl_stream_db, 3);
  EXPECT_EQ(info.repl_id, id);
  EXPECT_EQ(info.repl_offset, 123456789012);
  EXPECT_EQ(info.keys_loaded, 1u);
}

TEST_F(RdbRoundTripTest, ReplicationAuxFieldsAbsentOrMalformed) {
  RdbLoadInfo info;
  auto other = NewServer();
  ASSERT_EQ(LoadInto(*other, Save(), &info), "");
  EXPECT_EQ(info.repl_stream_db, -1);
  EXPECT_EQ(info.repl_id, "");
  EXPECT_EQ(info.repl_offset, -1);
  // A repl-id that is not 40 characters is not taken (Redis checks the length too).
  std::string out, err;
  StringSink sink(&out);
  RdbSaveOptions opts;
  opts.extra_aux = {{"repl-stream-db", "0"}, {"repl-id", "short"}, {"repl-offset", "7"}};
  ASSERT_TRUE(WriteRdb(*server_, sink, opts, &err)) << err;
  ASSERT_EQ(LoadInto(*other, out, &info), "");
  EXPECT_EQ(info.repl_id, "");
  EXPECT_EQ(info.aux["repl-id"], "short");
  EXPECT_EQ(info.repl_offset, 7);
}

TEST_F(RdbRoundTripTest, ChecksumOffWritesZeroTrailerAndLoads) {
  Populate();
  std::string bytes = Save(true, false);
  EXPECT_EQ(bytes.substr(bytes.size() - 8), std::string(8, '\0'));
  auto other = NewServer();
  EXPECT_EQ(LoadInto(*other, bytes), "");
  EXPECT_EQ(other->db(0).size(), 8u);
}

TEST_F(RdbRoundTripTest, EmptyServer) {
  std::string bytes = Save();
  auto other = NewServer();
  EXPECT_EQ(LoadInto(*other, bytes), "");
}

TEST_F(RdbRoundTripTest, EveryTruncationIsRefusedAndLeavesDataAlone) {
  Populate();
  std::string bytes = Save();
  auto other = NewServer();
  other->db(0).Add(Entry::NewString("keep", "me"));
  for (size_t cut = 0; cut < bytes.size(); cut += (cut < 200 ? 1 : 997)) {
    std::string err = LoadInto(*other, std::string_view(bytes).substr(0, cut));
    EXPECT_NE(err, "") << cut;
    ASSERT_EQ(other->db(0).size(), 1u) << cut;
    ASSERT_NE(other->db(0).Find("keep"), nullptr);
  }
}

TEST_F(RdbRoundTripTest, CorruptChecksumRefused) {
  Populate();
  std::string bytes = Save();
  bytes[bytes.size() - 3] ^= 1;
  auto other = NewServer();
  EXPECT_THAT(LoadInto(*other, bytes), ::testing::HasSubstr("Wrong RDB checksum"));
  EXPECT_EQ(other->db(0).size(), 0u);
  // A flipped payload byte is caught too (by the checksum, or earlier as a malformed record).
  std::string body = Save();
  body[body.size() / 2] ^= 0x20;
  EXPECT_NE(LoadInto(*other, body), "");
  EXPECT_EQ(other->db(0).size(), 0u);
}

TEST_F(RdbRoundTripTest, VersionsAndSignature) {
  std::string bytes = Save(true, false);
  auto other = NewServer();
  for (const char* v : {"0001", "0009", "0011", "0012"}) {
    std::string b = bytes;
    b.replace(5, 4, v);
    EXPECT_EQ(LoadInto(*other, b), "") << v;
  }
  std::string b = bytes;
  b.replace(5, 4, "0013");
  EXPECT_EQ(LoadInto(*other, b), "Can't handle RDB format version 13");
  b.replace(0, 5, "REDIX");
  EXPECT_EQ(LoadInto(*other, b), "Wrong signature trying to load DB from file");
}

// Builds an RDB by hand: header, the given body, EOF and a correct checksum.
std::string HandMade(std::string_view body, int version = 10) {
  char magic[10];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", version);
  std::string out = std::string(magic, 9) + std::string(body) + "\xff";
  uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

TEST_F(RdbRoundTripTest, MissingTypesAreNamed) {
  auto other = NewServer();
  // A stream record cut after its key is a truncated payload, not an unknown type.
  std::string body = std::string("\xfe\x00\x13\x01s", 5);
  EXPECT_THAT(LoadInto(*other, HandMade(body)), ::testing::Not(::testing::HasSubstr("type")));
  body = std::string("\x08\x01k", 3);
  EXPECT_EQ(LoadInto(*other, HandMade(body)), "Unknown RDB encoding type 8");
  // A FUNCTION2 record is a library's code: loaded when it loads, the whole RDB refused if not.
  std::string code = "#!lua name=l\nredis.register_function('f',function() end)";
  body = "\xf5" + std::string(1, static_cast<char>(code.size())) + code;
  EXPECT_EQ(LoadInto(*other, HandMade(body)), "");
  EXPECT_EQ(other->functions().function_count(), 1u);
  body = std::string("\xf5\x05#!lua", 7);
  EXPECT_THAT(LoadInto(*other, HandMade(body)),
              ::testing::StartsWith("Failed loading library: ERR Invalid library metadata"));
  EXPECT_EQ(other->functions().function_count(), 1u);
  body = std::string("\xf7", 1);
  EXPECT_THAT(LoadInto(*other, HandMade(body)), ::testing::HasSubstr("module"));
}

TEST_F(RdbRoundTripTest, HandMadeRecords) {
  auto other = NewServer();
  // Old-style seconds expire far in the future, IDLE and FREQ hints, RESIZEDB, AUX, keys with
  // no SELECTDB (db 0).
  std::string body = std::string("\xfa\x03" "foo" "\x03" "bar", 9) +
                     std::string("\xfb\x02\x01", 3) +
                     std::string("\xfd\xff\xff\xff\x7f\x00\x01" "a\x01" "1", 10) +
                     std::string("\xf8\x05\xf9\x07\x00\x01" "b\xc0\x07", 9);
  RdbLoadInfo info;
  ASSERT_EQ(LoadInto(*other, HandMade(body, 9), &info), "");
  EXPECT_EQ(info.aux["foo"], "bar");
  Db& db = other->db(0);
  ASSERT_NE(db.Find("a"), nullptr);
  EXPECT_EQ(db.GetExpire(db.Find("a")), 0x7fffffffLL * 1000);
  ASSERT_NE(db.Find("b", false), nullptr);
  EXPECT_EQ(db.Find("b", false)->IntValue(), 7);
}

TEST_F(RdbRoundTripTest, DuplicateKeysAndBadDbRefused) {
  auto other = NewServer();
  std::string rec = std::string("\x00\x01k\x01v", 5);
  EXPECT_EQ(LoadInto(*other, HandMade(rec + rec)), "RDB has duplicated key 'k' in DB 0");
  std::string body = std::string("\xfe\x10", 2) + rec;  // db 16 of 16
  EXPECT_THAT(LoadInto(*other, HandMade(body)),
              ::testing::HasSubstr("configured to handle more than 16 databases"));
  EXPECT_EQ(other->db(0).size(), 0u);
}

TEST_F(RdbRoundTripTest, ExpiredKeysDroppedUnlessAsked) {
  Run({"SET", "gone", "v"});
  Run({"SET", "kept", "v"});
  Db& db = server_->db(0);
  db.SetExpire(db.Find("gone"), WallMs() - 1000);
  std::string bytes = Save();
  auto other = NewServer();
  RdbLoadInfo info;
  ASSERT_EQ(LoadInto(*other, bytes, &info), "");
  EXPECT_EQ(info.keys_loaded, 1u);
  EXPECT_EQ(info.keys_expired, 1u);
  EXPECT_EQ(other->db(0).Peek("gone"), nullptr);

  auto replica = NewServer();
  StringSource src(bytes);
  RdbLoadOptions keep;
  keep.drop_expired = false;
  std::string err;
  ASSERT_TRUE(LoadRdb(*replica, src, keep, &info, &err)) << err;
  EXPECT_NE(replica->db(0).Peek("gone"), nullptr);
}

TEST_F(RdbRoundTripTest, StopsAtEofForAofPreamble) {
  Populate();
  RdbSaveOptions opts;
  opts.aof_preamble = true;
  std::string bytes, err;
  StringSink sink(&bytes);
  ASSERT_TRUE(WriteRdb(*server_, sink, opts, &err));
  size_t rdb_size = bytes.size();
  bytes += "*1\r\n$4\r\nPING\r\n";
  auto other = NewServer();
  StringSource src(bytes);
  RdbLoadInfo info;
  ASSERT_TRUE(LoadRdb(*other, src, RdbLoadOptions{}, &info, &err)) << err;
  EXPECT_TRUE(info.aof_base);
  EXPECT_EQ(info.bytes, rdb_size);
  EXPECT_EQ(src.rest(), "*1\r\n$4\r\nPING\r\n");
}

TEST_F(RdbRoundTripTest, DumpPayloadFormat) {
  Run({"SET", "k", "1"});
  std::string payload, err;
  ASSERT_TRUE(DumpPayload(*server_->db(0).Find("k"), true, &payload, &err));
  // Type 0, int8 1, version 10 LE, CRC64 LE: the bytes Redis 7.0 produces.
  ASSERT_EQ(payload.size(), 13u);
  EXPECT_EQ(payload.substr(0, 5), std::string("\x00\xc0\x01\x0a\x00", 5));
  uint64_t crc = Crc64(0, payload.data(), 5);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(payload[5 + i]), static_cast<uint8_t>(crc >> (8 * i)));
  }
  EXPECT_TRUE(VerifyDumpPayload(payload));
  Entry* e = DecodeDumpPayload("copy", payload, RdbLoadEnv{}, &err);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key(), "copy");
  EXPECT_EQ(e->IntValue(), 1);
  Entry::Free(e);

  std::string bad = payload;
  bad[1] ^= 1;
  EXPECT_FALSE(VerifyDumpPayload(bad));
  EXPECT_FALSE(VerifyDumpPayload("short"));
  std::string newer = payload.substr(0, 3) + std::string("\x0d\x00", 2);
  uint64_t c2 = Crc64(0, newer.data(), newer.size());
  for (int i = 0; i < 8; ++i) newer.push_back(static_cast<char>(c2 >> (8 * i)));
  EXPECT_FALSE(VerifyDumpPayload(newer));  // RDB version 13

  // An empty stream as Redis 7.0 dumps it (type 19: no nodes, zero counters, no groups); cut
  // one byte short it is refused.
  std::string body = std::string("\x13", 1) + std::string(10, '\0');
  auto seal = [](std::string b) {
    b += std::string("\x0a\x00", 2);
    uint64_t c = Crc64(0, b.data(), b.size());
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>(c >> (8 * i)));
    return b;
  };
  std::string stream = seal(body);
  ASSERT_TRUE(VerifyDumpPayload(stream));
  e = DecodeDumpPayload("s", stream, RdbLoadEnv{}, &err);
  ASSERT_NE(e, nullptr) << err;
  EXPECT_EQ(e->type(), ObjType::kStream);
  Entry::Free(e);
  EXPECT_EQ(DecodeDumpPayload("s", seal(body.substr(0, 10)), RdbLoadEnv{}, &err), nullptr);
}

TEST_F(RdbRoundTripTest, DumpRestoreCommands) {
  Run({"SET", "k", std::string(1000, 'a')});
  RespValue dump = Run({"DUMP", "k"});
  ASSERT_EQ(dump.type, RespValue::Type::kBulk);
  EXPECT_THAT(Run({"DUMP", "nokey"}), IsNil());
  EXPECT_THAT(Run({"RESTORE", "k", "0", dump.str}), IsError("BUSYKEY Target key name"));
  EXPECT_THAT(Run({"RESTORE", "k2", "-1", dump.str}), IsError("ERR Invalid TTL value"));
  EXPECT_THAT(Run({"RESTORE", "k2", "0", "xx"}), IsError("ERR DUMP payload version or checksum"));
  EXPECT_THAT(Run({"RESTORE", "k2", "0", dump.str, "FREQ", "300"}), IsError("ERR Invalid FREQ"));
  EXPECT_THAT(Run({"RESTORE", "k2", "0", dump.str, "NOPE"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"RESTORE", "k2", "0", dump.str}), IsOk());
  EXPECT_THAT(Run({"GET", "k2"}), IsBulk(std::string(1000, 'a')));
  EXPECT_THAT(Run({"RESTORE", "k2", "5000", dump.str, "REPLACE", "IDLETIME", "100"}), IsOk());
  RespValue pttl = Run({"PTTL", "k2"});
  EXPECT_GT(pttl.integer, 4000);
  EXPECT_LE(pttl.integer, 5000);
  // An absolute TTL in the past: the old key goes, nothing new is added.
  EXPECT_THAT(Run({"RESTORE", "k2", "1", dump.str, "REPLACE", "ABSTTL"}), IsOk());
  EXPECT_THAT(Run({"EXISTS", "k2"}), IsInt(0));
}

TEST_F(RdbRoundTripTest, RestorePropagatesAsRedisDoes) {
  std::vector<std::vector<std::string>> seen;
  server_->AddPropagationSink([&seen](int db, const std::vector<std::string_view>& argv) {
    seen.emplace_back(argv.begin(), argv.end());
  });
  PinCachedTime(1'000'000'000'000);
  Run({"SET", "k", "v"});
  std::string payload = Run({"DUMP", "k"}).str;
  seen.clear();
  // A relative TTL goes downstream as an absolute one with ABSTTL.
  EXPECT_THAT(Run({"RESTORE", "a", "5000", payload}), IsOk());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::vector<std::string>{"RESTORE", "a", "1000000005000", payload,
                                               "ABSTTL"}));
  // No TTL: as received.
  EXPECT_THAT(Run({"RESTORE", "b", "0", payload}), IsOk());
  EXPECT_EQ(seen.back(), (std::vector<std::string>{"RESTORE", "b", "0", payload}));
  // Restored already expired over an existing key: the key's deletion is what propagates.
  seen.clear();
  EXPECT_THAT(Run({"RESTORE", "b", "5", payload, "ABSTTL", "REPLACE"}), IsOk());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::vector<std::string>{"DEL", "b"}));
  // ...and nothing at all when there was no key.
  seen.clear();
  EXPECT_THAT(Run({"RESTORE", "c", "5", payload, "ABSTTL"}), IsOk());
  EXPECT_TRUE(seen.empty());
  PinCachedTime(0);
}

}  // namespace
}  // namespace sable
