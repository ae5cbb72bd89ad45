"""Does every requested spec have a build for the target platform? Pure diagnosis
(``platforms``, ``check``, ``envfile``) and ``adapter``, its pre-solve hook and error hint."""
