#include "server/persist/rdb_codec.h"

#include <vector>

namespace sable {
namespace {

struct CodecRow {
  ObjType type;
  std::vector<int> rdb_types;  // every RDB type id this codec reads
  const RdbValueCodec* codec;
};

// One row per value type Sable holds. Types not listed are refused at load with their name.
const std::vector<CodecRow>& Rows() {
  static const std::vector<CodecRow> rows = {
      {ObjType::kString, {kRdbTypeString}, &StringRdbCodec()},
      {ObjType::kHash,
       {kRdbTypeHash, kRdbTypeHashZipmap, kRdbTypeHashZiplist, kRdbTypeHashListpack,
        kRdbTypeHashMetadataPreGa, kRdbTypeHashListpackExPreGa, kRdbTypeHashMetadata,
        kRdbTypeHashListpackEx},
       &HashRdbCodec()},
      // Rows whose codec is still nullptr are types being written: refused as unknown.
      {ObjType::kList, {kRdbTypeList, kRdbTypeListZiplist, kRdbTypeListQuicklist,
                        kRdbTypeListQuicklist2}, &ListRdbCodec()},
      {ObjType::kSet, {kRdbTypeSet, kRdbTypeSetIntset, kRdbTypeSetListpack}, &SetRdbCodec()},
      {ObjType::kZSet, {kRdbTypeZset, kRdbTypeZset2, kRdbTypeZsetZiplist, kRdbTypeZsetListpack},
       &ZSetRdbCodec()},
      {ObjType::kStream,
       {kRdbTypeStreamListpacks, kRdbTypeStreamListpacks2, kRdbTypeStreamListpacks3},
       &StreamRdbCodec()},
  };
  return rows;
}

}  // namespace

const RdbValueCodec* RdbCodecFor(ObjType type) {
  for (const CodecRow& row : Rows()) {
    if (row.type == type) return row.codec;  // may be nullptr
  }
  return nullptr;
}

const RdbValueCodec* RdbCodecForRdbType(int rdb_type) {
  for (const CodecRow& row : Rows()) {
    for (int t : row.rdb_types) {
      if (t == rdb_type) return row.codec;  // may be nullptr
    }
  }
  return nullptr;
}

bool SaveTypedValue(const Entry& e, RdbEncoder& enc) {
  const RdbValueCodec* codec = RdbCodecFor(e.type());
  if (codec == nullptr) return false;
  return enc.Type(codec->SaveType(e)) && codec->Save(e, enc);
}

}  // namespace sable
