// The RDB file format as Redis writes it (rdb.h): opcodes, value type ids, the length and string
// encodings, and the byte sinks and sources the writer and reader run on. Everything here is
// pure bytes; it knows the keyspace only through the value codecs (rdb_codec.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

// The version this server writes: 10 is Redis 7.0, so Redis 7.0+ and redis-check-rdb 7.0 read
// our files. The reader accepts 1..kRdbMaxReadVersion.
constexpr int kRdbVersion = 10;
// The version of a file (or DUMP payload) holding a hash with field TTLs (types 24/25, Redis
// 7.4): written only then, so files without them stay readable by Redis 7.0.
constexpr int kRdbVersionFieldTtl = 12;
constexpr int kRdbMaxReadVersion = 12;  // Redis 7.4

// Value type ids (the byte before the key of each record).
enum RdbType : uint8_t {
  kRdbTypeString = 0,
  kRdbTypeList = 1,
  kRdbTypeSet = 2,
  kRdbTypeZset = 3,
  kRdbTypeHash = 4,
  kRdbTypeZset2 = 5,  // zset with binary doubles
  kRdbTypeModule = 6,
  kRdbTypeModule2 = 7,
  kRdbTypeHashZipmap = 9,
  kRdbTypeListZiplist = 10,
  kRdbTypeSetIntset = 11,
  kRdbTypeZsetZiplist = 12,
  kRdbTypeHashZiplist = 13,
  kRdbTypeListQuicklist = 14,
  kRdbTypeStreamListpacks = 15,
  kRdbTypeHashListpack = 16,
  kRdbTypeZsetListpack = 17,
  kRdbTypeListQuicklist2 = 18,
  kRdbTypeStreamListpacks2 = 19,
  kRdbTypeSetListpack = 20,
  kRdbTypeStreamListpacks3 = 21,
  kRdbTypeHashMetadataPreGa = 22,  // Redis 7.4 release candidates: hash with field TTLs
  kRdbTypeHashListpackExPreGa = 23,
  kRdbTypeHashMetadata = 24,  // Redis 7.4: hash with field TTLs
  kRdbTypeHashListpackEx = 25,
};

// Opcodes that are not value types.
enum RdbOpcode : uint8_t {
  kRdbOpSlotInfo = 0xF4,      // Redis 7.4 cluster slot sizes
  kRdbOpFunction2 = 0xF5,     // a function library (Redis 7.0+)
  kRdbOpFunctionPreGa = 0xF6,  // 7.0 release candidates
  kRdbOpModuleAux = 0xF7,
  kRdbOpIdle = 0xF8,          // LRU idle seconds of the next key
  kRdbOpFreq = 0xF9,          // LFU counter of the next key
  kRdbOpAux = 0xFA,
  kRdbOpResizeDb = 0xFB,
  kRdbOpExpireTimeMs = 0xFC,
  kRdbOpExpireTime = 0xFD,
  kRdbOpSelectDb = 0xFE,
  kRdbOpEof = 0xFF,
};

// Redis's name for a value type id ("string", "hash", "list", ...), for error messages.
const char* RdbTypeName(int type);
// True for the bytes that can start a key record.
bool RdbIsObjectType(int type);

// Where RDB bytes go: a file descriptor, a string (DUMP, tests), later a replica socket.
class RdbSink {
 public:
  virtual ~RdbSink() = default;
  // Appends n bytes; false on error (see error()).
  virtual bool Write(const char* p, size_t n) = 0;
  // Pushes buffered bytes down; false on error.
  virtual bool Flush() { return true; }
  virtual std::string error() const { return ""; }
};

class StringSink : public RdbSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  bool Write(const char* p, size_t n) override {
    out_->append(p, n);
    return true;
  }

 private:
  std::string* out_;
};

// Buffered writes to an fd the caller owns. With fsync_every > 0 it fsyncs each time that many
// bytes were written (rdb-save-incremental-fsync), so the kernel never holds a huge dirty set.
class FdSink : public RdbSink {
 public:
  explicit FdSink(int fd, size_t fsync_every = 0) : fd_(fd), fsync_every_(fsync_every) {}
  ~FdSink() override = default;
  bool Write(const char* p, size_t n) override;
  bool Flush() override;
  std::string error() const override { return error_; }
  uint64_t written() const { return written_; }

 private:
  bool WriteAll(const char* p, size_t n);

  int fd_;
  size_t fsync_every_;
  size_t since_sync_ = 0;
  uint64_t written_ = 0;
  std::string buf_;
  std::string error_;
};

// Where RDB bytes come from.
class RdbSource {
 public:
  virtual ~RdbSource() = default;
  // Reads exactly n bytes; false on a short read or an error.
  virtual bool Read(char* p, size_t n) = 0;
  // Bytes handed out by Read so far (the offset of the next byte from where reading began).
  virtual uint64_t consumed() const = 0;
};

class StringSource : public RdbSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  bool Read(char* p, size_t n) override;
  uint64_t consumed() const override { return pos_; }
  // What Read has not handed out yet.
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Buffered reads from an fd the caller owns. It reads ahead: after loading an RDB preamble, the
// bytes after the EOF record are in leftover() and the fd sits past them.
class FdSource : public RdbSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  bool Read(char* p, size_t n) override;
  uint64_t consumed() const override { return consumed_; }
  std::string_view leftover() const {
    return std::string_view(buf_).substr(pos_);
  }
  std::string error() const { return error_; }

 private:
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  std::string error_;
};

// Length-encoding special formats (the low 6 bits after the 0b11 prefix).
constexpr int kRdbEncInt8 = 0;
constexpr int kRdbEncInt16 = 1;
constexpr int kRdbEncInt32 = 2;
constexpr int kRdbEncLzf = 3;

// Writes RDB primitives to a sink, keeping the running CRC64 of everything written.
class RdbEncoder {
 public:
  RdbEncoder(RdbSink* sink, bool compress) : sink_(sink), compress_(compress) {}

  bool Raw(const void* p, size_t n);
  bool Byte(uint8_t b) { return Raw(&b, 1); }
  bool Type(uint8_t t) { return Byte(t); }
  // 6/14/32/64-bit length encoding.
  bool Length(uint64_t len);
  // A string: as an int encoding when it is a short canonical integer, LZF-compressed when
  // compression is on and it is longer than 20 bytes and shrinks, plain otherwise.
  bool String(std::string_view s);
  // An integer written the way Redis writes integer-valued strings.
  bool Integer(int64_t v);
  // A double as 8 little-endian bytes (RDB_TYPE_ZSET_2 and friends).
  bool BinaryDouble(double d);
  bool MillisecondTime(int64_t ms);
  bool Aux(std::string_view key, std::string_view value);

  uint64_t crc() const { return crc_; }
  uint64_t written() const { return written_; }
  RdbSink* sink() { return sink_; }

 private:
  bool Lzf(std::string_view s, bool* done);

  RdbSink* sink_;
  bool compress_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
};

// Reads RDB primitives; every method returns false on a short read or a malformed value, and
// error() then says what went wrong.
class RdbDecoder {
 public:
  explicit RdbDecoder(RdbSource* source) : source_(source) {}

  bool Raw(void* p, size_t n);
  bool Byte(uint8_t* b) { return Raw(b, 1); }
  // A length; *encoded is set when the value is a special string encoding (int or LZF), in which
  // case *len holds the encoding number.
  bool Length(uint64_t* len, bool* encoded = nullptr);
  bool String(std::string* out);
  // Exactly len raw bytes (read in pieces, so a corrupt len fails on the short read rather than
  // on a giant allocation).
  bool Bytes(std::string* out, uint64_t len);
  bool BinaryDouble(double* d);
  // The textual double of RDB_TYPE_ZSET (length byte, 253 nan, 254 +inf, 255 -inf).
  bool TextDouble(double* d);
  bool MillisecondTime(int64_t* ms);
  bool SecondTime(int64_t* s);

  uint64_t crc() const { return crc_; }
  uint64_t consumed() const { return source_->consumed(); }
  const std::string& error() const { return error_; }
  bool Fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }

 private:
  RdbSource* source_;
  uint64_t crc_ = 0;
  std::string error_;
};

}  // namespace sable
