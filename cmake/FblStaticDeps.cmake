# Static C libraries for executables that start often (fblctl: `fblctl parse` is benchmarked
# per run against Sisimai, BENCHMARKS.md ## Parsing). The dynamic loader spent about a third of
# fblctl's start-up binding symbols of libcrypto (3,000 BIND_NOW PLT slots, 17,000 relative
# relocations), libsqlite3 (1,200 slots) and mimetic; linked from their Debian static archives
# the executable carries only the objects it uses, already bound. (zlib: see fbl::zlib below;
# libcrypto is now loaded at its first use instead: see fbl::crypto below.)
#
# An executable opts in with the target property FBL_STATIC_DEPS (ON). The fbl::<dep> targets
# below resolve, for each executable that links them (directly or through our static
# libraries), to the static archive when that executable has the property and to the usual
# shared library otherwise ($<TARGET_PROPERTY:...> is evaluated on the executable being linked).
# Rules for an opted-in executable:
#  - it must not load the shared copy of a library it carries (two OpenSSL or SQLite states in
#    one process): tests/CMakeLists.txt checks `readelf -d` for it;
#  - it gets no libssl (fbl::ssl is empty for it): TLS needs the shared libcrypto that libssl
#    uses, so such an executable must not make TLS connections itself. (libpq, loaded at run
#    time by store/pg_lib.cpp, brings its own libssl and libcrypto: the executable exports none
#    of the OpenSSL symbols it carries, so the two copies do not mix.)
#  - libstdc++ and libgcc are linked statically into fblctl by fbl/CMakeLists.txt (not here:
#    they are not fbl::<dep> targets), which is only possible because fblctl links no
#    prometheus-cpp (shared only, it needs the shared libstdc++: two in one process are not
#    allowed); executables that export metrics keep the shared libstdc++;
#  - libidn2 is loaded at its first call (fbl::idn2 below; its static archive would need
#    libunistring's, which Debian does not ship without libunistring-dev); zlib too, but in
#    sanitizer builds (below).
# If an archive is missing (another distribution), the shared library is used for everyone.

set(_fbl_static_on "$<BOOL:$<TARGET_PROPERTY:FBL_STATIC_DEPS>>")

# fbl_static_dep(NAME SHARED_ITEM ARCHIVE_NAME [EXTRA...]): INTERFACE target fbl::NAME.
function(fbl_static_dep name shared archive)
  find_library(FBL_STATIC_${name} NAMES ${archive} NO_CACHE)
  set(FBL_STATIC_${name} ${FBL_STATIC_${name}} PARENT_SCOPE)
  add_library(fbl_dep_${name} INTERFACE)
  add_library(fbl::${name} ALIAS fbl_dep_${name})
  if(FBL_STATIC_${name})
    target_link_libraries(fbl_dep_${name} INTERFACE "$<$<NOT:${_fbl_static_on}>:${shared}>")
    foreach(item IN ITEMS ${FBL_STATIC_${name}} ${ARGN})
      target_link_libraries(fbl_dep_${name} INTERFACE "$<${_fbl_static_on}:${item}>")
    endforeach()
  else()
    message(STATUS "fbl: no ${archive}: executables with FBL_STATIC_DEPS use the shared ${shared}")
    target_link_libraries(fbl_dep_${name} INTERFACE ${shared})
  endif()
endfunction()

# libcrypto and libidn2: an opted-in executable links neither the shared nor the static
# library but fbl_lazy (fbl/cli/lazy/): the functions fbl calls, which load the library at
# their first call. Linked from libcrypto.a, its ~350 KB of provider tables were relocated at
# every start (~90 page faults, ~2 ms on the benchmark VM) although most fblctl commands never
# hash; libidn2 (with libunistring) is only needed for a domain that is not ASCII. A new call
# of these libraries in fbl must be added there (fblctl then fails to link, naming it).
add_library(fbl_lazy STATIC ${PROJECT_SOURCE_DIR}/fbl/cli/lazy/crypto.cpp ${PROJECT_SOURCE_DIR}/fbl/cli/lazy/idn2.cpp)
target_include_directories(fbl_lazy PRIVATE ${PROJECT_SOURCE_DIR})
target_include_directories(fbl_lazy SYSTEM PRIVATE ${OPENSSL_INCLUDE_DIR} ${IDN2_INCLUDE_DIRS})
target_link_libraries(fbl_lazy PUBLIC ${CMAKE_DL_LIBS})
fbl_warnings(fbl_lazy)
add_library(fbl_dep_crypto INTERFACE)
add_library(fbl::crypto ALIAS fbl_dep_crypto)
target_link_libraries(fbl_dep_crypto INTERFACE "$<$<NOT:${_fbl_static_on}>:OpenSSL::Crypto>"
  "$<${_fbl_static_on}:fbl_lazy>")
add_library(fbl_dep_idn2 INTERFACE)
add_library(fbl::idn2 ALIAS fbl_dep_idn2)
target_include_directories(fbl_dep_idn2 SYSTEM INTERFACE ${IDN2_INCLUDE_DIRS})
target_link_libraries(fbl_dep_idn2 INTERFACE "$<$<NOT:${_fbl_static_on}>:PkgConfig::IDN2>"
  "$<${_fbl_static_on}:fbl_lazy>")
# zlib stays shared in sanitizer builds: they link with --no-as-needed, so prometheus-cpp-pull
# (which needs libz.so.1) stays loaded, and a static copy (b1223c3) or the forwarding functions
# below would be exported to it. Elsewhere an opted-in executable gets fbl_lazy_zlib: libz.so.1
# loaded at the first (de)compression (fbl/cli/lazy/zlib.cpp), like libcrypto above.
add_library(fbl_dep_zlib INTERFACE)
add_library(fbl::zlib ALIAS fbl_dep_zlib)
if(FBL_SANITIZER_BUILD)
  target_link_libraries(fbl_dep_zlib INTERFACE ZLIB::ZLIB)
else()
  add_library(fbl_lazy_zlib STATIC ${PROJECT_SOURCE_DIR}/fbl/cli/lazy/zlib.cpp)
  target_include_directories(fbl_lazy_zlib PRIVATE ${PROJECT_SOURCE_DIR})
  target_include_directories(fbl_lazy_zlib SYSTEM PRIVATE ${ZLIB_INCLUDE_DIRS})
  target_link_libraries(fbl_lazy_zlib PUBLIC ${CMAKE_DL_LIBS})
  fbl_warnings(fbl_lazy_zlib)
  target_link_libraries(fbl_dep_zlib INTERFACE "$<$<NOT:${_fbl_static_on}>:ZLIB::ZLIB>"
    "$<${_fbl_static_on}:fbl_lazy_zlib>")
  target_include_directories(fbl_dep_zlib SYSTEM INTERFACE ${ZLIB_INCLUDE_DIRS})
endif()
fbl_static_dep(mimetic Mimetic::mimetic libmimetic.a)
fbl_static_dep(sqlite3 SQLite::SQLite3 libsqlite3.a Threads::Threads ${CMAKE_DL_LIBS} m)
# mimetic's headers stay where Mimetic::mimetic says (the archive path carries no include dirs).
target_include_directories(fbl_dep_mimetic SYSTEM INTERFACE ${MIMETIC_INCLUDE_DIR})

add_library(fbl_dep_ssl INTERFACE)
add_library(fbl::ssl ALIAS fbl_dep_ssl)
target_link_libraries(fbl_dep_ssl INTERFACE "$<$<NOT:${_fbl_static_on}>:OpenSSL::SSL>")

# SQLiteCpp's imported target names SQLite::SQLite3 itself: point it at the switch.
get_target_property(_fbl_sqlitecpp_libs SQLiteCpp INTERFACE_LINK_LIBRARIES)
list(TRANSFORM _fbl_sqlitecpp_libs REPLACE "^SQLite::SQLite3$" "fbl::sqlite3")
set_target_properties(SQLiteCpp PROPERTIES INTERFACE_LINK_LIBRARIES "${_fbl_sqlitecpp_libs}")
