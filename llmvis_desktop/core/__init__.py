"""The Qt-free core: store, imaging, folder index, tasks. Usable headless."""
