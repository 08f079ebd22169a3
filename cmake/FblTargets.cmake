# Warnings for our own code only; third-party headers come in as SYSTEM.
function(fbl_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
    # GCC 12's optimiser-driven diagnostics give false positives inside libstdc++ at -O2/-O3:
    # they stay visible as warnings but must not break a user's Release build.
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<NOT:$<CONFIG:Debug>>>:-Wno-error=restrict -Wno-error=maybe-uninitialized -Wno-error=stringop-overflow -Wno-error=array-bounds -Wno-error=free-nonheap-object -Wno-error=mismatched-new-delete>)
endfunction()

# fbl_library(NAME DIR...): a static library from every .cpp directly in DIRs.
# Files are globbed so that adding a unit never means editing a shared list.
function(fbl_library name)
  set(sources "")
  foreach(dir IN LISTS ARGN)
    file(GLOB found CONFIGURE_DEPENDS ${dir}/*.cpp)
    list(APPEND sources ${found})
  endforeach()
  list(FILTER sources EXCLUDE REGEX "(_main|/main)\\.cpp$")
  if(NOT sources)
    # A folder whose first unit is still to come: keep the target so the link graph holds.
    set(empty ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
    file(WRITE ${empty} "namespace fbl {}\n")
    set(sources ${empty})
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  fbl_warnings(${name})
endfunction()
