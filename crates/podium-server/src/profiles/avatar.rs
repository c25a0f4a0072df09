//! Avatar images: an upload (PNG, JPEG or WebP, up to 2 MB) is checked against its declared
//! type, decoded under hard limits that refuse decompression bombs before any pixel buffer is
//! allocated, turned upright, shrunk to fit 256×256 and re-encoded as PNG. Re-encoding keeps
//! pixels only, so EXIF, text chunks, ICC profiles and anything smuggled after them are gone.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits,
    codecs::png::{CompressionType, FilterType, PngEncoder},
    error::LimitErrorKind,
};
use sha2::{Digest, Sha256};

/// Largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Longest side of a stored avatar, in pixels.
pub const MAX_SIDE: u32 = 256;
/// Longest side of an upload, in pixels; checked from the header, before decoding.
pub const MAX_INPUT_SIDE: u32 = 4096;
/// Most memory the decoder may claim for one image (4096×4096 RGBA at 8 bits).
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// The upload types accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    WebP,
}

impl Kind {
    /// The kind a `Content-Type` header names (parameters and case ignored).
    pub fn from_content_type(value: &str) -> Option<Kind> {
        let mime = value.split(';').next()?.trim().to_ascii_lowercase();
        match mime.as_str() {
            "image/png" => Some(Kind::Png),
            "image/jpeg" => Some(Kind::Jpeg),
            "image/webp" => Some(Kind::WebP),
            _ => None,
        }
    }

    fn from_format(format: ImageFormat) -> Option<Kind> {
        match format {
            ImageFormat::Png => Some(Kind::Png),
            ImageFormat::Jpeg => Some(Kind::Jpeg),
            ImageFormat::WebP => Some(Kind::WebP),
            _ => None,
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Kind::Png => ImageFormat::Png,
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::WebP => ImageFormat::WebP,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Png => "PNG",
            Kind::Jpeg => "JPEG",
            Kind::WebP => "WebP",
        }
    }
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum AvatarError {
    #[error("the body is not a PNG, JPEG or WebP image")]
    NotAnImage,
    #[error("the body is a {found} image but `Content-Type` says {declared}")]
    TypeMismatch {
        declared: &'static str,
        found: &'static str,
    },
    #[error(
        "the image is larger than {MAX_INPUT_SIDE}×{MAX_INPUT_SIDE} pixels; send a smaller one"
    )]
    TooManyPixels,
    #[error("the image needs more memory to decode than is allowed; send a smaller image")]
    TooMuchMemory,
    #[error("the {kind} image cannot be decoded: {reason}")]
    Corrupt { kind: &'static str, reason: String },
    /// Encoding our own pixels failed: a server fault, not the caller's.
    #[error("re-encoding failed: {0}")]
    Encode(ImageError),
}

/// A re-encoded avatar, ready to store.
#[derive(Clone, Debug)]
pub struct Avatar {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// Hex SHA-256 of `bytes`.
    pub etag: String,
    pub width: u32,
    pub height: u32,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Checks, decodes and re-encodes an upload declared as `kind`. CPU-bound: run it off the
/// async workers.
pub fn process(bytes: &[u8], kind: Kind) -> Result<Avatar, AvatarError> {
    let found = image::guess_format(bytes)
        .ok()
        .and_then(Kind::from_format)
        .ok_or(AvatarError::NotAnImage)?;
    if found != kind {
        return Err(AvatarError::TypeMismatch {
            declared: kind.name(),
            found: found.name(),
        });
    }
    if kind == Kind::Jpeg && !jpeg_is_complete(bytes) {
        return Err(AvatarError::Corrupt {
            kind: kind.name(),
            reason: "it ends before its end-of-image marker (truncated?)".to_owned(),
        });
    }
    let corrupt = |e: ImageError| classify(e, kind);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits());
    // Building the decoder reads only the header; `set_limits` inside it refuses oversized
    // dimensions before a pixel buffer exists.
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE {
        return Err(AvatarError::TooManyPixels);
    }
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(AvatarError::TooMuchMemory);
    }
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    encode(shrink(image))
}

/// Whether a JPEG reaches its end-of-image marker after its first scan. The decoder fills a
/// cut-off scan with grey instead of failing, so truncation is caught here. Markers are walked
/// up to the first scan so that an EOI inside metadata (an EXIF thumbnail) does not count.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        let marker = bytes[at + 1];
        if bytes[at] != 0xFF || marker == 0xFF {
            at += 1; // fill or stray bytes between segments
            continue;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD8) {
            at += 2; // markers without a length
            continue;
        }
        let segment = 2 + usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xDA {
            return bytes
                .get(at + segment..)
                .is_some_and(|scan| scan.windows(2).any(|w| w == [0xFF, 0xD9]));
        }
        at += segment;
    }
    false
}

fn classify(e: ImageError, kind: Kind) -> AvatarError {
    match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError => AvatarError::TooManyPixels,
            _ => AvatarError::TooMuchMemory,
        },
        other => AvatarError::Corrupt {
            kind: kind.name(),
            reason: other.to_string(),
        },
    }
}

/// Fits the image in MAX_SIDE×MAX_SIDE, keeping its aspect ratio; smaller images stay as they are.
fn shrink(image: DynamicImage) -> DynamicImage {
    let image = if image.width() > MAX_SIDE || image.height() > MAX_SIDE {
        image.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Lanczos3)
    } else {
        image
    };
    if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    }
}

fn encode(image: DynamicImage) -> Result<Avatar, AvatarError> {
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive)
        .write_image(
            image.as_bytes(),
            image.width(),
            image.height(),
            image.color().into(),
        )
        .map_err(AvatarError::Encode)?;
    Ok(Avatar {
        etag: hex::encode(Sha256::digest(&bytes)),
        content_type: "image/png",
        width: image.width(),
        height: image.height(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_wide_image_shrinks_to_fit_keeping_its_aspect_ratio() {
        let a = process(&png(1000, 500), Kind::Png).unwrap();
        assert_eq!((a.width, a.height), (256, 128));
        assert_eq!(a.content_type, "image/png");
        assert_eq!(a.etag.len(), 64);
    }

    #[test]
    fn a_small_image_is_not_enlarged() {
        let a = process(&png(40, 30), Kind::Png).unwrap();
        assert_eq!((a.width, a.height), (40, 30));
    }

    #[test]
    fn an_image_over_the_side_limit_is_refused_from_its_header() {
        let e = process(&png(MAX_INPUT_SIDE + 1, 1), Kind::Png).unwrap_err();
        assert!(matches!(e, AvatarError::TooManyPixels), "{e:?}");
    }

    #[test]
    fn a_jpeg_cut_short_is_corrupt_even_with_an_end_marker_in_its_metadata() {
        let mut whole = Vec::new();
        DynamicImage::ImageRgb8(image::RgbImage::new(64, 64))
            .write_to(&mut Cursor::new(&mut whole), ImageFormat::Jpeg)
            .unwrap();
        assert!(jpeg_is_complete(&whole));
        // An APP1 segment whose payload holds FF D9, as an embedded thumbnail would.
        let mut cut = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        cut.extend_from_slice(&whole[2..whole.len() - 40]);
        assert!(!jpeg_is_complete(&cut));
        let e = process(&cut, Kind::Jpeg).unwrap_err();
        assert!(matches!(e, AvatarError::Corrupt { .. }), "{e:?}");
    }

    #[test]
    fn content_types_are_read_without_parameters_or_case() {
        assert_eq!(Kind::from_content_type("Image/PNG; q=1"), Some(Kind::Png));
        assert_eq!(Kind::from_content_type("image/webp"), Some(Kind::WebP));
        assert_eq!(Kind::from_content_type("image/gif"), None);
        assert_eq!(Kind::from_content_type("application/octet-stream"), None);
    }

    #[test]
    fn a_png_sent_as_jpeg_is_a_type_mismatch() {
        let e = process(&png(4, 4), Kind::Jpeg).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the body is a PNG image but `Content-Type` says JPEG"
        );
    }
}
