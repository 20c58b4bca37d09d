#pragma once
// Files compiled into the binary (cmake/embed_files.cmake): the admin
// console's page, script and style, and the examples/ served under
// /examples/. Paths are relative to the source tree ("examples/conference/app.js").

#include <span>
#include <string_view>

namespace roomcast {

struct embedded_file {
  std::string_view path;
  std::string_view data;
};

/// Every embedded file, sorted by path.
std::span<const embedded_file> embedded_files();

/// The file at `path`, or null.
inline const embedded_file* find_embedded(std::string_view path) {
  for (auto& f : embedded_files())
    if (f.path == path)
      return &f;
  return nullptr;
}

/// The Content-Type for a file name by its extension.
std::string_view content_type_of(std::string_view path);

} // namespace roomcast
