#include "server/commands/scan_args.h"

#include "server/core/context.h"
#include "server/resp/errors.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {

bool ParseScanCursor(std::string_view s, uint64_t* out) {
  if (s.empty()) {
    *out = 0;
    return true;
  }
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? 0 - v : v;
  return true;
}

bool ParseScanOptions(CommandContext& ctx, size_t first, ScanKind kind, ScanOptions* opts) {
  for (size_t i = first; i < ctx.argc();) {
    std::string_view opt = ctx.arg(i);
    bool has_value = i + 1 < ctx.argc();
    if (EqualsNoCase(opt, "count") && has_value) {
      if (!ParseInt64(ctx.arg(i + 1), &opts->count)) {
        ctx.rb.SendError(errors::kNotInteger);
        return false;
      }
      if (opts->count < 1) {
        ctx.rb.SendError(errors::kSyntax);
        return false;
      }
      i += 2;
    } else if (EqualsNoCase(opt, "match") && has_value) {
      opts->pattern = ctx.arg(i + 1);
      // "*" matches everything: skip the per-key match, as Redis does.
      if (opts->pattern == "*") opts->pattern = {};
      i += 2;
    } else if (kind == ScanKind::kKeys && EqualsNoCase(opt, "type") && has_value) {
      opts->type = ctx.arg(i + 1);
      opts->has_type = true;
      i += 2;
    } else if (kind == ScanKind::kHash && EqualsNoCase(opt, "novalues")) {
      opts->no_values = true;
      i += 1;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

}  // namespace sable
