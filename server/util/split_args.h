// Tokenizer for inline commands and config-file lines, with the semantics of Redis's
// sdssplitargs() so that the same input splits into the same arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sable {

// Splits `line` into arguments separated by whitespace. "Double quoted" arguments understand
// \n \r \t \b \a \xHH and backslash-anything escapes; 'single quoted' arguments only \'. A closing
// quote must be followed by whitespace or the end of the line. As in Redis the line ends at its
// first NUL byte. Returns false on unbalanced quotes or a misplaced closing quote. `out` is
// cleared first and holds the arguments on success (possibly none for a blank line).
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

// The inverse for config files: `arg` as is when SplitArgs would read it back whole, else
// double-quoted with escapes, the way Redis's sdscatrepr() writes CONFIG REWRITE values.
std::string QuoteArg(std::string_view arg);

// Appends `arg` always double-quoted with C escapes (\n \r \t \a \b \\ \" and \xHH for other
// unprintable bytes), as Redis's sdscatrepr() writes it: MONITOR lines, the AOF manifest, the
// Lua debugger's console.
void AppendRepr(std::string* out, std::string_view arg);

}  // namespace sable
