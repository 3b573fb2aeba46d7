#include "server/util/byte_buf.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sable {
namespace {

TEST(ByteBufTest, EditsMatchStdString) {
  std::mt19937_64 gen(7);
  ByteBuf b;
  std::string model;
  for (int step = 0; step < 5000; ++step) {
    std::string piece(gen() % 50, static_cast<char>('a' + gen() % 26));
    size_t off = model.empty() ? 0 : gen() % (model.size() + 1);
    switch (gen() % 5) {
      case 0:
        b.append(piece);
        model.append(piece);
        break;
      case 1:
        b.insert(off, piece);
        model.insert(off, piece);
        break;
      case 2: {
        size_t n = std::min<size_t>(gen() % 60, model.size() - off);
        b.erase(off, n);
        model.erase(off, n);
        break;
      }
      case 3: {
        size_t n = std::min<size_t>(gen() % 60, model.size() - off);
        b.replace(off, n, piece);
        model.replace(off, n, piece);
        break;
      }
      default:
        if (model.size() > 3000) {
          b.resize(model.size() / 4);
          model.resize(model.size() / 4);
        }
    }
    ASSERT_EQ(b.view(), model);
    ASSERT_GE(b.capacity(), b.size());
  }
  ByteBuf copy = b;
  EXPECT_EQ(copy.view(), model);
  ByteBuf moved = std::move(copy);
  EXPECT_EQ(moved.view(), model);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(ByteBufTest, GrowsToTheAllocatorClassNotDouble) {
  ByteBuf b;
  std::string chunk(100, 'x');
  for (int i = 0; i < 81; ++i) b.append(chunk);  // 8100 bytes
  // std::string would sit at 8192..16383 after doubling; the exact growth stays in the
  // allocator's class above 8100 bytes.
  EXPECT_LT(b.capacity(), 8100u * 5 / 4);
  b.resize(10);
  EXPECT_LT(b.capacity(), 100u);  // a sparse block is given back
  b.resize(0);
  EXPECT_EQ(b.capacity(), 0u);
}

}  // namespace
}  // namespace sable
