# Filled by the issue that builds this app (see README, "How the code is laid out").
