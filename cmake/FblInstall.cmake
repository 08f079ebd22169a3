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

# The unit names the installed paths: packaging/fbld.service is written for prefix /usr. They
# are substituted at install time (cmake/FblInstallUnit.cmake), with the prefix of that install:
# `cmake --install build --prefix /usr` writes a unit naming /usr/bin/fbld, not the configured
# prefix's binary (the configure-time substitution did: ExecStart=/usr/local/bin/fbld next to a
# /usr/bin/fbld, a 203/EXEC failure on a machine without the other copy).
install(CODE "
  set(FBL_UNIT_SOURCE \"${PROJECT_SOURCE_DIR}/packaging/fbld.service\")
  set(FBL_UNIT_BINARY \"${PROJECT_BINARY_DIR}/packaging/fbld.service\")
  set(FBL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(FBL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(FBL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(FBL_UNITDIR \"${FBL_SYSTEMD_UNITDIR}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/FblInstallUnit.cmake\")
")
install(FILES packaging/fbld.sysusers DESTINATION ${FBL_SYSUSERSDIR} RENAME fbl.conf)
install(FILES packaging/fbld.tmpfiles DESTINATION ${FBL_TMPFILESDIR} RENAME fbl.conf)

file(GLOB fbl_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${fbl_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES store/SCHEMA.md DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
