# Installation: the libraries and their headers, the ferry command (and the programs it runs),
# an exported CMake package (find_package(ferry)) and a pkg-config file (ferry.pc).
include(CMakePackageConfigHelpers)

install(TARGETS ferry_core ferry_sim ferry_inject EXPORT ferryTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ferry)
install(TARGETS ferry_nvml LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS ferry EXPORT ferryTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS peer_ring RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/ferry)

install(EXPORT ferryTargets NAMESPACE ferry:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)
configure_package_config_file(cmake/ferryConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ferryConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ferryConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ferryConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ferryConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)

configure_file(cmake/ferry.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ferry.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ferry.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
