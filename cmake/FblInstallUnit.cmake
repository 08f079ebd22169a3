# Run by `cmake --install` (install(CODE) in cmake/FblInstall.cmake): writes packaging/fbld.service
# with the paths of this install's prefix (CMAKE_INSTALL_PREFIX as given to --prefix, or the
# configured one) and installs it to <prefix>/<FBL_UNITDIR>. Relative directories are taken from
# the prefix, absolute ones (the /etc of CMAKE_INSTALL_SYSCONFDIR) as they are.
function(fbl_install_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

fbl_install_path(fbl_bindir "${FBL_BINDIR}")
fbl_install_path(fbl_sysconfdir "${FBL_SYSCONFDIR}")
fbl_install_path(fbl_docdir "${FBL_DOCDIR}")
fbl_install_path(fbl_unitdir "${FBL_UNITDIR}")

file(READ "${FBL_UNIT_SOURCE}" fbl_unit)
string(REPLACE "/usr/bin/fbld" "${fbl_bindir}/fbld" fbl_unit "${fbl_unit}")
string(REPLACE "/etc/fbl/fbld.toml" "${fbl_sysconfdir}/fbl/fbld.toml" fbl_unit "${fbl_unit}")
string(REPLACE "file:/usr/share/doc/fbl/" "file:${fbl_docdir}/" fbl_unit "${fbl_unit}")
file(WRITE "${FBL_UNIT_BINARY}" "${fbl_unit}")
file(INSTALL DESTINATION "${fbl_unitdir}" TYPE FILE FILES "${FBL_UNIT_BINARY}")
