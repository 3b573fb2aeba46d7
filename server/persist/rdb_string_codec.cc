// Strings: RDB type 0, the value one RDB string (int-encoded, LZF or plain).
#include "server/persist/rdb_codec.h"

#include <string>
#include <utility>

namespace sable {
namespace {

class StringCodec : public RdbValueCodec {
 public:
  uint8_t SaveType(const Entry& e) const override { return kRdbTypeString; }

  bool Save(const Entry& e, RdbEncoder& enc) const override {
    if (e.IsInt()) return enc.Integer(e.IntValue());
    char buf[32];
    return enc.String(e.StringValue(buf));
  }

  Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
              const RdbLoadEnv& env) const override {
    std::string value;
    if (!dec.String(&value)) return nullptr;
    // The same int/embstr/raw choice as SET makes (Redis: tryObjectEncoding on load); long
    // values are moved, not copied.
    if (value.size() > kEmbstrMaxLen) return Entry::NewRaw(key, std::move(value));
    return MakeStringEntry(key, value);
  }
};

}  // namespace

const RdbValueCodec& StringRdbCodec() {
  static const StringCodec codec;
  return codec;
}

}  // namespace sable
