#include "server/persist/rdb_format.h"

#include <lzf.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include "server/persist/crc64.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

constexpr size_t kSinkBufferSize = 64 * 1024;
constexpr size_t kSourceChunk = 64 * 1024;
// Strings are read in pieces of at most this size, so a corrupt length cannot make us allocate
// far more than the input holds before the short read shows.
constexpr size_t kReadPiece = 1 << 20;

// Redis's rdbEncodeInteger(): the 2, 3 or 5 byte int encodings; 0 when v needs more than 32 bits.
size_t EncodeInteger(int64_t v, unsigned char* buf) {
  if (v >= std::numeric_limits<int8_t>::min() && v <= std::numeric_limits<int8_t>::max()) {
    buf[0] = 0xC0 | kRdbEncInt8;
    buf[1] = static_cast<unsigned char>(v & 0xff);
    return 2;
  }
  if (v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max()) {
    buf[0] = 0xC0 | kRdbEncInt16;
    buf[1] = static_cast<unsigned char>(v & 0xff);
    buf[2] = static_cast<unsigned char>((v >> 8) & 0xff);
    return 3;
  }
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    buf[0] = 0xC0 | kRdbEncInt32;
    for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<unsigned char>((v >> (8 * i)) & 0xff);
    return 5;
  }
  return 0;
}

}  // namespace

const char* RdbTypeName(int type) {
  switch (type) {
    case kRdbTypeString:
      return "string";
    case kRdbTypeList:
    case kRdbTypeListZiplist:
    case kRdbTypeListQuicklist:
    case kRdbTypeListQuicklist2:
      return "list";
    case kRdbTypeSet:
    case kRdbTypeSetIntset:
    case kRdbTypeSetListpack:
      return "set";
    case kRdbTypeZset:
    case kRdbTypeZset2:
    case kRdbTypeZsetZiplist:
    case kRdbTypeZsetListpack:
      return "zset";
    case kRdbTypeHash:
    case kRdbTypeHashZipmap:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeHashMetadataPreGa:
    case kRdbTypeHashListpackExPreGa:
    case kRdbTypeHashMetadata:
    case kRdbTypeHashListpackEx:
      return "hash";
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
    case kRdbTypeStreamListpacks3:
      return "stream";
    case kRdbTypeModule:
    case kRdbTypeModule2:
      return "module";
    default:
      return "unknown";
  }
}

bool RdbIsObjectType(int type) {
  return (type >= 0 && type <= 7) || (type >= 9 && type <= kRdbTypeHashListpackEx);
}

// ---- sinks and sources ---------------------------------------------------------------------

bool FdSink::WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<uint64_t>(w);
    since_sync_ += static_cast<size_t>(w);
  }
  if (fsync_every_ > 0 && since_sync_ >= fsync_every_) {
    since_sync_ = 0;
    if (::fdatasync(fd_) != 0) {
      error_ = std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool FdSink::Write(const char* p, size_t n) {
  if (!error_.empty()) return false;
  if (buf_.size() + n <= kSinkBufferSize) {
    buf_.append(p, n);
    return true;
  }
  if (!Flush()) return false;
  if (n >= kSinkBufferSize) return WriteAll(p, n);
  buf_.append(p, n);
  return true;
}

bool FdSink::Flush() {
  if (!error_.empty()) return false;
  if (buf_.empty()) return true;
  bool ok = WriteAll(buf_.data(), buf_.size());
  buf_.clear();
  return ok;
}

bool StringSource::Read(char* p, size_t n) {
  if (data_.size() - pos_ < n) {
    pos_ = data_.size();
    return false;
  }
  std::memcpy(p, data_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool FdSource::Read(char* p, size_t n) {
  while (n > 0) {
    if (pos_ == buf_.size()) {
      buf_.resize(kSourceChunk);
      pos_ = 0;
      ssize_t r;
      do {
        r = ::read(fd_, buf_.data(), buf_.size());
      } while (r < 0 && errno == EINTR);
      if (r <= 0) {
        if (r < 0) error_ = std::strerror(errno);
        buf_.clear();
        return false;
      }
      buf_.resize(static_cast<size_t>(r));
    }
    size_t take = std::min(n, buf_.size() - pos_);
    std::memcpy(p, buf_.data() + pos_, take);
    pos_ += take;
    p += take;
    n -= take;
    consumed_ += take;
  }
  return true;
}

// ---- encoder -------------------------------------------------------------------------------

bool RdbEncoder::Raw(const void* p, size_t n) {
  crc_ = Crc64(crc_, p, n);
  written_ += n;
  return sink_->Write(static_cast<const char*>(p), n);
}

bool RdbEncoder::Length(uint64_t len) {
  unsigned char buf[9];
  if (len < (1 << 6)) {
    buf[0] = static_cast<unsigned char>(len);
    return Raw(buf, 1);
  }
  if (len < (1 << 14)) {
    buf[0] = static_cast<unsigned char>(((len >> 8) & 0x3f) | 0x40);
    buf[1] = static_cast<unsigned char>(len & 0xff);
    return Raw(buf, 2);
  }
  if (len <= std::numeric_limits<uint32_t>::max()) {
    buf[0] = 0x80;
    for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (8 * (3 - i)));
    return Raw(buf, 5);
  }
  buf[0] = 0x81;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (8 * (7 - i)));
  return Raw(buf, 9);
}

bool RdbEncoder::Integer(int64_t v) {
  unsigned char buf[5];
  size_t n = EncodeInteger(v, buf);
  if (n > 0) return Raw(buf, n);
  char digits[kInt64BufSize];
  size_t len = FormatInt64(v, digits);
  return Length(len) && Raw(digits, len);
}

bool RdbEncoder::Lzf(std::string_view s, bool* done) {
  *done = false;
  // Compression must save at least 4 bytes to be worth it (rdbSaveLzfStringObject).
  if (s.size() <= 4) return true;
  size_t out_cap = s.size() - 4;
  std::unique_ptr<char[]> out(new char[out_cap + 1]);
  unsigned int n = lzf_compress(s.data(), static_cast<unsigned int>(s.size()), out.get(),
                                static_cast<unsigned int>(out_cap));
  if (n == 0) return true;
  *done = true;
  return Byte(0xC0 | kRdbEncLzf) && Length(n) && Length(s.size()) && Raw(out.get(), n);
}

bool RdbEncoder::String(std::string_view s) {
  if (s.size() <= 11) {
    int64_t v;
    unsigned char buf[5];
    if (ParseInt64(s, &v)) {
      size_t n = EncodeInteger(v, buf);
      if (n > 0) return Raw(buf, n);
    }
  }
  // LZF cannot shrink anything of 20 bytes or less (Redis's threshold). lzf_compress takes an
  // unsigned int length, so giant strings go verbatim.
  if (compress_ && s.size() > 20 && s.size() < std::numeric_limits<unsigned int>::max()) {
    bool done = false;
    if (!Lzf(s, &done)) return false;
    if (done) return true;
  }
  return Length(s.size()) && Raw(s.data(), s.size());
}

bool RdbEncoder::BinaryDouble(double d) {
  unsigned char buf[8];
  std::memcpy(buf, &d, 8);
  return Raw(buf, 8);
}

bool RdbEncoder::MillisecondTime(int64_t ms) {
  unsigned char buf[8];
  uint64_t v = static_cast<uint64_t>(ms);
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<unsigned char>(v >> (8 * i));
  return Raw(buf, 8);
}

bool RdbEncoder::Aux(std::string_view key, std::string_view value) {
  return Type(kRdbOpAux) && String(key) && String(value);
}

// ---- decoder -------------------------------------------------------------------------------

bool RdbDecoder::Raw(void* p, size_t n) {
  if (n == 0) return true;
  if (!source_->Read(static_cast<char*>(p), n)) return Fail("Short read or OOM loading DB");
  crc_ = Crc64(crc_, p, n);
  return true;
}

bool RdbDecoder::Length(uint64_t* len, bool* encoded) {
  if (encoded) *encoded = false;
  unsigned char b[8];
  if (!Raw(b, 1)) return false;
  int kind = (b[0] & 0xC0) >> 6;
  if (kind == 3) {
    if (encoded == nullptr) return Fail("Unexpected string encoding where a length was expected");
    *encoded = true;
    *len = b[0] & 0x3f;
    return true;
  }
  if (kind == 0) {
    *len = b[0] & 0x3f;
    return true;
  }
  if (kind == 1) {
    unsigned char next;
    if (!Raw(&next, 1)) return false;
    *len = (static_cast<uint64_t>(b[0] & 0x3f) << 8) | next;
    return true;
  }
  int bytes = b[0] == 0x80 ? 4 : b[0] == 0x81 ? 8 : 0;
  if (bytes == 0) {
    return Fail("Unknown length encoding " + std::to_string(b[0]) + " in rdbLoadLen()");
  }
  if (!Raw(b, static_cast<size_t>(bytes))) return false;
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | b[i];
  *len = v;
  return true;
}

bool RdbDecoder::String(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!Length(&len, &encoded)) return false;
  out->clear();
  if (encoded) {
    unsigned char b[4];
    int64_t v;
    switch (len) {
      case kRdbEncInt8:
        if (!Raw(b, 1)) return false;
        v = static_cast<int8_t>(b[0]);
        break;
      case kRdbEncInt16:
        if (!Raw(b, 2)) return false;
        v = static_cast<int16_t>(b[0] | (b[1] << 8));
        break;
      case kRdbEncInt32:
        if (!Raw(b, 4)) return false;
        v = static_cast<int32_t>(
            static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
            (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24));
        break;
      case kRdbEncLzf: {
        uint64_t clen, ulen;
        if (!Length(&clen) || !Length(&ulen)) return false;
        // LZF expands at most ~264/3 per input byte; anything beyond is a corrupt header, and
        // refusing it keeps a bad length from becoming a giant allocation.
        if (clen == 0 || ulen == 0 || ulen > clen * 128 + 64 ||
            ulen >= std::numeric_limits<unsigned int>::max()) {
          return Fail("Invalid LZF compressed string");
        }
        std::string compressed;
        if (!Bytes(&compressed, clen)) return false;
        out->resize(ulen);
        unsigned int n = lzf_decompress(compressed.data(), static_cast<unsigned int>(clen),
                                        out->data(), static_cast<unsigned int>(ulen));
        if (n != ulen) return Fail("Invalid LZF compressed string");
        return true;
      }
      default:
        return Fail("Unknown RDB string encoding type " + std::to_string(len));
    }
    char digits[kInt64BufSize];
    out->assign(digits, FormatInt64(v, digits));
    return true;
  }
  return Bytes(out, len);
}

bool RdbDecoder::Bytes(std::string* out, uint64_t len) {
  out->clear();
  while (len > 0) {
    size_t piece = static_cast<size_t>(std::min<uint64_t>(len, kReadPiece));
    size_t old = out->size();
    out->resize(old + piece);
    if (!Raw(out->data() + old, piece)) return false;
    len -= piece;
  }
  return true;
}

bool RdbDecoder::BinaryDouble(double* d) {
  unsigned char buf[8];
  if (!Raw(buf, 8)) return false;
  std::memcpy(d, buf, 8);
  return true;
}

bool RdbDecoder::TextDouble(double* d) {
  unsigned char len;
  if (!Raw(&len, 1)) return false;
  switch (len) {
    case 253:
      *d = std::numeric_limits<double>::quiet_NaN();
      return true;
    case 254:
      *d = std::numeric_limits<double>::infinity();
      return true;
    case 255:
      *d = -std::numeric_limits<double>::infinity();
      return true;
    default:
      break;
  }
  char buf[256];
  if (!Raw(buf, len)) return false;
  buf[len] = '\0';
  char* end = nullptr;
  *d = std::strtod(buf, &end);
  if (end != buf + len) return Fail("Invalid double value");
  return true;
}

bool RdbDecoder::MillisecondTime(int64_t* ms) {
  unsigned char b[8];
  if (!Raw(b, 8)) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  *ms = static_cast<int64_t>(v);
  return true;
}

bool RdbDecoder::SecondTime(int64_t* s) {
  unsigned char b[4];
  if (!Raw(b, 4)) return false;
  uint32_t v = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
               (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
  *s = static_cast<int32_t>(v);
  return true;
}

}  // namespace sable
