# Prefect's temporary server ends with the workwatch process that started it, even after a
# `kill -9` (an import hook; nothing is imported until Prefect imports its server module).
from flows.lifeline import install as _install_lifeline

_install_lifeline()
