# The include rules between layers (see the top CMakeLists.txt). Run at
# configure time and as the `layers` test, so a crossing fails both.
#   cmake -DROOT=<source dir> -P cmake/check_layers.cmake

cmake_policy(SET CMP0057 NEW)

function(roomcast_check_layers root)
  # layer -> folders it must not include
  set(forbid_wire actors gateway endpoints dialects persistence config app)
  set(forbid_auth actors gateway endpoints dialects persistence config app)
  set(forbid_dialects actors gateway endpoints persistence config app)
  set(forbid_actors gateway endpoints app)
  set(forbid_gateway actors endpoints dialects persistence app)
  set(forbid_persistence actors gateway endpoints dialects app)
  set(bad "")
  foreach(layer wire auth dialects actors gateway persistence)
    file(GLOB_RECURSE sources ${root}/${layer}/*.hpp ${root}/${layer}/*.cpp)
    foreach(f IN LISTS sources)
      file(STRINGS ${f} includes REGEX "^#include \"[a-z_]+/")
      foreach(line IN LISTS includes)
        string(REGEX REPLACE "^#include \"([a-z_]+)/.*" "\\1" target "${line}")
        if(target IN_LIST forbid_${layer})
          file(RELATIVE_PATH rel ${root} ${f})
          list(APPEND bad "${rel}: ${line} (${layer} must not include ${target}/)")
        endif()
      endforeach()
    endforeach()
  endforeach()
  if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "layer rules broken:\n  ${text}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND ROOT)
  roomcast_check_layers(${ROOT})
  message(STATUS "layer rules hold")
endif()
