# Installing and packaging: the binary, the documented default config and a
# sandboxed systemd unit (cmake --install), and a .deb (cpack -G DEB).
#
# Where the config goes follows GNUInstallDirs for the prefix in effect at
# install time (so `cmake --install --prefix DIR` and cpack, which installs
# with the prefix /usr, both get it right): prefix /usr -> /etc/roomcast,
# /opt/X -> /etc/opt/X/roomcast, any other prefix -> PREFIX/etc/roomcast.
# The unit's ExecStart names the installed binary and config the same way.

include(GNUInstallDirs)

install(TARGETS roomcast RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(ROOMCAST_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
set(ROOMCAST_INSTALL_BINDIR ${CMAKE_INSTALL_BINDIR})
set(roomcast_install_code [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(roomcast_etc "/etc")
  elseif(CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(roomcast_etc "/etc${CMAKE_INSTALL_PREFIX}")
  else()
    set(roomcast_etc "${CMAKE_INSTALL_PREFIX}/etc")
  endif()
  set(ROOMCAST_CONFIG "${roomcast_etc}/roomcast/roomcast.toml")
  set(ROOMCAST_BIN "${CMAKE_INSTALL_PREFIX}/@ROOMCAST_INSTALL_BINDIR@/roomcast")
  file(INSTALL "@ROOMCAST_SOURCE_DIR@/config/roomcast.toml" DESTINATION "${roomcast_etc}/roomcast"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  configure_file("@ROOMCAST_SOURCE_DIR@/packaging/roomcast.service.in"
                 "@CMAKE_CURRENT_BINARY_DIR@/install-unit/roomcast.service" @ONLY)
  file(INSTALL "@CMAKE_CURRENT_BINARY_DIR@/install-unit/roomcast.service"
       DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
]])
string(CONFIGURE "${roomcast_install_code}" roomcast_install_code @ONLY)
install(CODE "${roomcast_install_code}")

# cpack -G DEB: installs with the prefix /usr under DESTDIR, so the config
# lands in /etc/roomcast (a conffile: dpkg keeps an operator's edits).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deb-control/conffiles "/etc/roomcast/roomcast.toml\n")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME roomcast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Roomcast")
set(CPACK_PACKAGE_CONTACT "Roomcast maintainers <maintainers@roomcast.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time rooms over WebSocket and Socket.IO")
set(CPACK_PACKAGE_DESCRIPTION
  "One binary that serves real-time rooms (conference, signaling, live stream and support desk, \
chat rooms) over WebSocket and Socket.IO, persists them in SQLite and drains gracefully. \
Ships a sandboxed systemd unit (roomcast.service) and a documented default configuration.")
# The install script runs with the prefix /usr under DESTDIR (whatever
# CMAKE_INSTALL_PREFIX this build has), so /etc is /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_BINARY_DIR}/deb-control/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
