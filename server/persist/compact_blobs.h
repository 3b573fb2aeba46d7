// Decoders for Redis's compact blobs (listpack, ziplist, intset, zipmap) as RDB files carry them,
// and a listpack encoder. Pure bytes; every length is checked against the blob.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sable {

bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* err);
bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* err);
bool DecodeIntset(std::string_view blob, std::vector<std::string>* out, std::string* err);
bool DecodeZipmap(std::string_view blob, std::vector<std::string>* out, std::string* err);
std::string EncodeListpack(const std::vector<std::string_view>& entries);

}  // namespace sable
