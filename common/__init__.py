"""The bottom floor: what every app may import (docs/architecture.md).

Nothing here imports an app of this project or the ressursvenner project package.
"""
