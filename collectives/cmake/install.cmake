# How collectives/ is installed and consumed: the shared library (SONAME
# libfcoll.so.N, only FCOLL_API symbols exported), fcoll.h, a pkg-config file
# and a CMake package (find_package(fcoll) gives the imported target
# fcoll::fcoll). Everything is in the install component "fcoll":
#   cmake --install BUILD --component fcoll --prefix PREFIX
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FCOLL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fcoll)

install(TARGETS fcoll
    EXPORT fcollTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT fcoll
    PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT fcoll
)
install(EXPORT fcollTargets
    NAMESPACE fcoll::
    DESTINATION ${FCOLL_CMAKE_DIR}
    COMPONENT fcoll
)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/fcollConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/fcollConfig.cmake
    INSTALL_DESTINATION ${FCOLL_CMAKE_DIR}
)
# 0.x releases may break the API at every minor version.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/fcollConfigVersion.cmake
    VERSION ${FCOLL_VERSION}
    COMPATIBILITY SameMinorVersion
)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fcollConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/fcollConfigVersion.cmake
    DESTINATION ${FCOLL_CMAKE_DIR}
    COMPONENT fcoll
)

# The .pc file finds its prefix from its own location (${pcfiledir}), so
# the installed tree stays usable when `cmake --install --prefix` moves it.
file(RELATIVE_PATH FCOLL_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(${CMAKE_CURRENT_LIST_DIR}/fcoll.pc.in ${CMAKE_CURRENT_BINARY_DIR}/fcoll.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fcoll.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
    COMPONENT fcoll
)

# Install into a temporary prefix, build a program against the installed
# copy from outside the tree (pkg-config and find_package), run it, and
# check the exported symbols and the SONAME. A sanitizer build's library
# needs the sanitizer runtime in the program too, so pass the flags on.
if(FM_SANITIZE)
    set(FCOLL_CONSUMER_FLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME fcoll_install
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-install.sh ${CMAKE_BINARY_DIR} ${CMAKE_COMMAND}
            ${CMAKE_C_COMPILER} "${FCOLL_CONSUMER_FLAGS}"
)
set_tests_properties(fcoll_install PROPERTIES TIMEOUT 120)
