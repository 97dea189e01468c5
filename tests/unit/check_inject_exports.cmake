# Fails unless libferry_inject.so (INJECT) exports only what it must: the CUDA runtime
# functions it wraps (under libcudart.so.13's node), its control API (ferry_inject_*, under
# FERRY_INJECT_0), the one driver function virtual devices translate and dlsym (driver.c).
# It lives inside other people's processes: any other symbol could take the place of theirs.
# Run by ctest as test_inject_exports.
execute_process(COMMAND ${NM} -D --defined-only ${INJECT} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${INJECT}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(bad "")
set(ncuda 0)
foreach(line IN LISTS lines)
  if(line MATCHES " A ")                      # version nodes
    continue()
  elseif(line MATCHES " T (cuda[A-Za-z0-9_]+)@@libcudart\\.so\\.13$")
    math(EXPR ncuda "${ncuda} + 1")
  elseif(line MATCHES " T ferry_inject_[a-z_]+@@FERRY_INJECT_0$" OR
         line MATCHES " T cuDevicePrimaryCtxGetState@@libcudart\\.so\\.13$" OR
         line MATCHES " T dlsym@@?GLIBC_2\\.(34|2\\.5)$")
  else()
    list(APPEND bad "${line}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "libferry_inject.so exports what it must not: ${bad}")
endif()
if(ncuda LESS 100)
  message(FATAL_ERROR "libferry_inject.so exports only ${ncuda} runtime functions")
endif()
message(STATUS "libferry_inject.so exports ${ncuda} runtime functions and nothing stray")
