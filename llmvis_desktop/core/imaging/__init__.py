"""Qt-free image reading, thumbnails and format detection.

Never imports Qt, torch or transformers; pydicom and tifffile load on first use.
"""

from .errors import ImageReadError
from .formats import (
    DICOM_EXTENSIONS,
    EXTENSIONLESS_DICOM_OK,
    RASTER_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    extension_of,
    format_for_name,
    is_candidate,
    is_dicom_name,
    sniff_dicom,
)
from .reader import (
    DEFAULT_MAX_PIXELS,
    ImageData,
    ImageMeta,
    auto_window,
    read_header,
    read_image,
    to_display,
)
from .thumbs import ThumbnailCache, make_thumbnail

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DICOM_EXTENSIONS",
    "EXTENSIONLESS_DICOM_OK",
    "RASTER_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "ImageData",
    "ImageMeta",
    "ImageReadError",
    "ThumbnailCache",
    "auto_window",
    "extension_of",
    "format_for_name",
    "is_candidate",
    "is_dicom_name",
    "make_thumbnail",
    "read_header",
    "read_image",
    "sniff_dicom",
    "to_display",
]
