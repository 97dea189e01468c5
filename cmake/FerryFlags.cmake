# Compiler flags for project code: warnings, coverage and sanitizers.
# ferry_project_target(<target>) applies them to one of our targets; third-party code is never
# built here, so every target we define calls it.

set(FERRY_WARNINGS -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter)
if(FERRY_WERROR)
  list(APPEND FERRY_WARNINGS -Werror)
endif()

set(FERRY_SAN_FLAGS "")
if(FERRY_SANITIZE STREQUAL "address")
  set(FERRY_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
elseif(FERRY_SANITIZE STREQUAL "thread")
  set(FERRY_SAN_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT FERRY_SANITIZE STREQUAL "")
  message(FATAL_ERROR "FERRY_SANITIZE must be empty, 'address' or 'thread', not '${FERRY_SANITIZE}'")
endif()

if(FERRY_COVERAGE)
  set(FERRY_COV_FLAGS --coverage -O0 -fprofile-update=atomic)  # threads share the counters
else()
  set(FERRY_COV_FLAGS "")
endif()

function(ferry_project_target tgt)
  target_compile_options(${tgt} PRIVATE ${FERRY_WARNINGS} ${FERRY_SAN_FLAGS} ${FERRY_COV_FLAGS})
  target_link_options(${tgt} PRIVATE ${FERRY_SAN_FLAGS} ${FERRY_COV_FLAGS})
endfunction()
