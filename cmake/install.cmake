# Install rules, the CMake package and the Debian package (included from the
# top-level CMakeLists when TANGLE_INSTALL is on).
#
#   cmake --install build/release --prefix P   # P/bin/tangle, P/include/tangle,
#                                              # P/lib/libtangle_*.a, P/lib/cmake/tangle
#   cpack --config build/release/CPackConfig.cmake -G DEB   # tangle_<version>_<arch>.deb
#
# The libraries are static: a consumer links them into its own programs, and
# what they need at link time is found by tangleConfig.cmake (Boost.context,
# Threads; GoogleTest for tangle::gtest). Header-only private dependencies
# (CLI11, nlohmann_json) are compiled in and never asked for.
include(CMakePackageConfigHelpers)

set(TANGLE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tangle)
set(tangle_export_targets tangle_reports tangle_harness tangle_stress tangle_cli tangle_tangle tangle_main
    tangle_headers tangle_scenarios)
if(TARGET tangle_gtest)
  list(APPEND tangle_export_targets tangle_gtest)
endif()

install(TARGETS ${tangle_export_targets} EXPORT tangleTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  # The built-in scenarios (tangle::builtins) are an object library: their
  # registration statics reach every program that links them.
  OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/tangle/builtins
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tangle RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET tangle-relacy)
  install(TARGETS tangle-relacy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/harness/include/tangle ${PROJECT_SOURCE_DIR}/reports/include/tangle
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT tangleTargets NAMESPACE tangle:: DESTINATION ${TANGLE_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tangleConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tangleConfig.cmake INSTALL_DESTINATION ${TANGLE_CMAKE_DIR})
# 0.x: minor versions may break, so a request for 0.1 takes 0.1.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tangleConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tangleConfig.cmake ${PROJECT_BINARY_DIR}/tangleConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/tangleFunctions.cmake ${CMAKE_CURRENT_LIST_DIR}/tangleDiscover.cmake
        DESTINATION ${TANGLE_CMAKE_DIR})

# The Debian package: everything above, under /usr. Depends: the shared
# libraries of the installed binaries (dpkg-shlibdeps) and the -dev packages
# that tangleConfig.cmake finds for a consumer.
set(CPACK_PACKAGE_NAME tangle)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "tangle maintainers <tangle@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "C++20 concurrency correctness and stress-test harness")
set(CPACK_PACKAGE_INSTALL_DIRECTORY tangle)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tangle_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost-context-dev (>= 1.74), libdw-dev, pkg-config, cmake (>= 3.25), g++ (>= 4:12) | clang (>= 1:14)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libgtest-dev")
include(CPack)
