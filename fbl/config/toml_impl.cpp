// toml++'s implementation, compiled here once (TOML_HEADER_ONLY=0 for every user of the
// header, fbl/CMakeLists.txt) instead of linked from libtomlplusplus.so: one shared C++
// library less for the dynamic loader at every fblctl start.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
