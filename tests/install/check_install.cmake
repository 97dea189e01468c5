# Installs the build tree (BUILD) into a fresh prefix (WORK/prefix), builds tests/install with
# find_package(ferry) against it, reads the pkg-config file, and runs the consumer with the
# installed `ferry sim`. Run by ctest as test_install.
file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/consumer
                -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "find_package(ferry) failed:\n${out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/consumer
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer did not build:\n${out}")
endif()
file(STRINGS ${WORK}/consumer/paths.txt paths)
list(GET paths 0 sim)
list(GET paths 1 ferry)
if(NOT EXISTS ${sim} OR NOT sim MATCHES "^${prefix}/")
  message(FATAL_ERROR "FERRY_SIM_LIBRARY is '${sim}', not an installed file")
endif()
file(GLOB pc ${prefix}/lib*/pkgconfig/ferry.pc ${prefix}/lib/*/pkgconfig/ferry.pc)
if(NOT pc)
  message(FATAL_ERROR "no ferry.pc installed")
endif()
file(STRINGS ${pc} lines REGEX "^(sim|inject)_library=")
list(LENGTH lines nlines)
if(NOT nlines EQUAL 2)
  message(FATAL_ERROR "ferry.pc lacks sim_library or inject_library")
endif()
# The installed interposer, from the installed command, over the installed simulator.
execute_process(COMMAND ${ferry} inject --backend sim --devices 4 -- ${WORK}/consumer/consumer
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer sees 4 devices"
   OR NOT out MATCHES "ferry_copy 0 -> 3: FERRY_OK by peer"
   OR NOT err MATCHES "4 virtual devices over 1")
  message(FATAL_ERROR "installed ferry inject: status ${rc}, '${out}' '${err}'")
endif()
# The installed command finds the installed simulator, with 3 devices.
execute_process(COMMAND ${ferry} sim --devices 3 -- ${WORK}/consumer/consumer
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer sees 3 devices")
  message(FATAL_ERROR "installed ferry sim: status ${rc}, '${out}' '${err}'")
endif()
# The installed scenario runner, on the installed scenarios.
execute_process(COMMAND ${ferry} run ${prefix}/share/ferry/scenarios/field/F04_peer_unsupported.scn
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "1 scenario: 1 passed")
  message(FATAL_ERROR "installed ferry run: status ${rc}, '${out}' '${err}'")
endif()
execute_process(COMMAND ${ferry} demo --devices 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "every byte came home")
  message(FATAL_ERROR "installed ferry demo: status ${rc}, '${out}'")
endif()
message(STATUS "installed ferry works: ${out}")
