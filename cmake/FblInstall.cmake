# `cmake --install <build>` (or `make install`): binaries, the example configuration, the
# dashboards and alert rules, the systemd unit with its sysusers/tmpfiles files, and the docs.
# The configuration lives in /etc/fbl whatever the prefix (fbld's default --config is
# /etc/fbl/fbld.toml); pass -DCMAKE_INSTALL_SYSCONFDIR=... to change it.
if(NOT DEFINED CMAKE_INSTALL_SYSCONFDIR)
  set(CMAKE_INSTALL_SYSCONFDIR /etc CACHE PATH "read-only single-machine data (DATAROOTDIR)")
endif()
include(GNUInstallDirs)

# systemd looks in <prefix>/lib/systemd/system for /usr and /usr/local (systemd-analyze unit-paths).
set(FBL_SYSTEMD_UNITDIR "lib/systemd/system" CACHE PATH "where fbld.service is installed")
set(FBL_SYSUSERSDIR "lib/sysusers.d" CACHE PATH "where the fbl sysusers.d file is installed")
set(FBL_TMPFILESDIR "lib/tmpfiles.d" CACHE PATH "where the fbl tmpfiles.d file is installed")

install(TARGETS fbld fblctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The example: documentation, and a starting point next to where the real file goes.
install(FILES examples/fbld.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES examples/fbld.toml DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/fbl
  RENAME fbld.toml.example)

install(FILES dashboards/fbl.json dashboards/alerts.yml dashboards/alerts_test.yml
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fbl/dashboards)

# The unit names the installed paths: packaging/fbld.service is written for prefix /usr.
file(READ ${PROJECT_SOURCE_DIR}/packaging/fbld.service fbl_unit)
string(REPLACE "/usr/bin/fbld" "${CMAKE_INSTALL_FULL_BINDIR}/fbld" fbl_unit "${fbl_unit}")
string(REPLACE "/etc/fbl/fbld.toml" "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fbl/fbld.toml" fbl_unit "${fbl_unit}")
string(REPLACE "file:/usr/share/doc/fbl/" "file:${CMAKE_INSTALL_FULL_DOCDIR}/" fbl_unit "${fbl_unit}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/fbld.service "${fbl_unit}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/packaging/fbld.service)
install(FILES ${PROJECT_BINARY_DIR}/packaging/fbld.service DESTINATION ${FBL_SYSTEMD_UNITDIR})
install(FILES packaging/fbld.sysusers DESTINATION ${FBL_SYSUSERSDIR} RENAME fbl.conf)
install(FILES packaging/fbld.tmpfiles DESTINATION ${FBL_TMPFILESDIR} RENAME fbl.conf)

file(GLOB fbl_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${fbl_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES store/SCHEMA.md DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
