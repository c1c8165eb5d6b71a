import Basics

/// What a segment becomes: `[frames, width]` values per segment, named as the `.npz` array that
/// holds them.
public enum FeatureKind: String, ClosedChoice {
    /// `librosa.feature.mfcc`: `nMFCC` coefficients per frame.
    case mfcc
    /// The log-mel spectrogram, `power_to_db(melspectrogram(y), ref=1.0, amin, top_db)`:
    /// `nMels` bands per frame, in dB.
    case mel

    public static let noun = "feature kind"

    /// Values per frame under `parameters`.
    public func width(_ parameters: MFCCParameters) -> Int {
        switch self {
        case .mfcc: parameters.nMFCC
        case .mel: parameters.nMels
        }
    }

    /// The array layout as `dataset.json` states it.
    public var layout: String {
        switch self {
        case .mfcc: "mfcc[segment, frame, coefficient]"
        case .mel: "mel[segment, frame, band]"
        }
    }
}

extension MFCCExtractor {
    /// The log-mel spectrogram of mono audio, `librosa.power_to_db(librosa.feature.melspectrogram(y),
    /// ref=1.0, amin, top_db)`, the floor `topDB` below this signal's own peak.
    /// - Returns: `[frames, nMels]` in dB.
    public func logMel(samples: UnsafeBufferPointer<Float>) -> [Float] {
        var mel = melPower(samples)
        powerToDB(&mel)
        return mel
    }

    /// The features of `kind` of mono audio: `[frames, kind.width(parameters)]`.
    public func features(_ kind: FeatureKind, samples: UnsafeBufferPointer<Float>) -> [Float] {
        switch kind {
        case .mfcc: mfcc(samples: samples)
        case .mel: logMel(samples: samples)
        }
    }
}
