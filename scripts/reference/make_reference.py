#!/usr/bin/env python3
"""Makes the reference data GenreKit's parity tests compare against (Tests/Reference).

Pinned versions (scripts/reference/requirements.txt): librosa 0.11.0, Keras 3.15.1 on the
TensorFlow 2.21.0 backend, CPU. From the project root:

    scripts/reference/run.sh            # rewrite the outputs (makes .venv-reference on first use)
    scripts/reference/run.sh --check    # remake in memory and compare; write nothing
                                        # (make reference-check)

The inputs (the test WAVs under mfcc/, the LSTM batch and initial weights under lstm/) are
committed and reused, so a rerun rewrites only what the libraries compute; `--new-inputs SEED`
makes fresh ones first. Tests read the committed files with GenreKit's own readers and need no
Python. Tests/Reference/README.md says what each file is.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import librosa  # noqa: E402
import samplerate  # noqa: E402  (librosa's res_type="sinc_best")
import soundfile  # noqa: E402

SR = 22050
SEGMENT = 66150  # 3 s: the seed's 10-way segmentation of a 30 s track
MFCC_ARGS = dict(sr=SR, n_fft=2048, hop_length=512, n_mels=128)
CASES = {"music_3s": SEGMENT, "noise_3s": SEGMENT, "quiet_click_3s": SEGMENT, "short_1s": SR, "track_30s": 10 * SEGMENT}
PARTS = ("mfcc", "resample", "lstm", "gru", "cnn", "crnn")
# A track at another rate, in stereo and FLAC: prepare converts it as librosa.load(sr=22050,
# res_type="sinc_best") does (channels averaged, then libsamplerate's best sinc converter).
RESAMPLED = {"name": "stereo_44100_6s", "sr": 44100, "samples": 273_000}
# The convolutional reference models: cnn-mel's and crnn-mel's layers on small log-mel-shaped
# inputs (frames x bands x 1), so the files stay small.
CONV_INPUT = {"cnn": (24, 20, 1), "crnn": (24, 16, 1)}


def recurrent_weight_names(kind):
    """The weight files of the `kind` (lstm or gru) reference model, in file order."""
    return [f"{kind}_kernel", f"{kind}_recurrent_kernel", f"{kind}_bias"] + [
        f"dense{i}_{p}" for i in range(4) for p in ("kernel", "bias")
    ]


def save(out, relative, array, made):
    made[relative] = np.asarray(array)
    if out is not None:
        np.save(os.path.join(out, relative), made[relative])


# ---- inputs (only with --new-inputs) -------------------------------------------------------


def new_audio(name, samples, rng):
    t = np.arange(samples) / SR
    if name.startswith("noise"):
        y = 0.3 * rng.standard_normal(samples)
    elif name.startswith("quiet_click"):
        y = 1e-4 * rng.standard_normal(samples)
        y[:: SR // 4] = 0.5
    else:
        chord = sum(0.15 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63))
        beat = (t % 0.5) < 0.03
        drums = 0.4 * beat * rng.standard_normal(samples) * np.exp(-((t % 0.5) / 0.01))
        y = chord + drums
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def make_inputs(root, seed, parts):
    rng = np.random.default_rng(seed)
    if "mfcc" in parts:
        for name, samples in CASES.items():
            path = os.path.join(root, "mfcc", name + ".wav")
            soundfile.write(path, new_audio(name, samples, rng), SR, subtype="PCM_16")
    if "resample" in parts:
        os.makedirs(os.path.join(root, "resample"), exist_ok=True)
        rate, samples = RESAMPLED["sr"], RESAMPLED["samples"]
        t = np.arange(samples) / rate
        left = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (196.0, 246.94, 293.66, 7040.0))
        right = 0.3 * np.sin(2 * np.pi * 110.0 * t) + 0.05 * rng.standard_normal(samples)
        pcm = np.clip(np.round(np.stack([left, right], axis=1) * 32767), -32768, 32767).astype(np.int16)
        soundfile.write(os.path.join(root, "resample", RESAMPLED["name"] + ".flac"), pcm, rate, subtype="PCM_16")
    if not {"lstm", "gru", "cnn", "crnn"} & set(parts):
        return
    import keras

    for kind in ("cnn", "crnn"):
        if kind not in parts:
            continue
        os.makedirs(os.path.join(root, kind), exist_ok=True)
        np.save(os.path.join(root, kind, "input.npy"), rng.standard_normal((4,) + CONV_INPUT[kind]).astype(np.float32))
        np.save(os.path.join(root, kind, "labels.npy"), rng.integers(0, 10, 4).astype(np.int64))
        keras.utils.set_random_seed(seed)
        model = conv_model(keras, kind)
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                # Away from Keras's 1, 0, 0, 1 so every term of the layer is exercised.
                for w, loc in ((layer.gamma, 1.0), (layer.beta, 0.0), (layer.moving_mean, 0.0)):
                    w.assign(loc + 0.1 * rng.standard_normal(w.shape).astype(np.float32))
                layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape).astype(np.float32))
            if isinstance(layer, keras.layers.GRU):
                layer.cell.bias.assign(0.1 * rng.standard_normal(layer.cell.bias.shape).astype(np.float32))
        for name, value in conv_weights(model).items():
            np.save(os.path.join(root, kind, name + ".npy"), value)
    for kind in ("lstm", "gru"):
        if kind not in parts:
            continue
        os.makedirs(os.path.join(root, kind), exist_ok=True)
        np.save(os.path.join(root, kind, "input.npy"), rng.standard_normal((4, 130, 13)).astype(np.float32))
        np.save(os.path.join(root, kind, "labels.npy"), rng.integers(0, 10, 4).astype(np.int64))
        keras.utils.set_random_seed(seed)
        model = recurrent_model(keras, kind)
        if kind == "gru":
            # Keras starts GRU biases at zero; random ones make the bias gradients and the
            # folding of the two bias rows into oneDNN's four visible to the tests.
            bias = model.get_layer("gru").cell.bias
            bias.assign(0.1 * rng.standard_normal(bias.shape).astype(np.float32))
        for name, value in recurrent_weights(model, kind).items():
            np.save(os.path.join(root, kind, name + ".npy"), value)


# ---- librosa --------------------------------------------------------------------------------


def load(path):
    """The pipeline's loading: int16 / 32768 as float32."""
    pcm, sr = soundfile.read(path, dtype="int16")
    assert sr == SR and pcm.ndim == 1, path
    return pcm.astype(np.float32) / 32768.0


def mfcc(y, n):
    return librosa.feature.mfcc(y=y, n_mfcc=n, **MFCC_ARGS)


def logmel(y):
    """GenreKit's `mel` features: the log-mel spectrogram in dB, floor 80 dB below the peak."""
    power = librosa.feature.melspectrogram(y=y, **MFCC_ARGS)
    return librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=80.0)


def make_mfcc(root, out, made, index):
    save(out, "mfcc/hann_2048_periodic.npy", librosa.filters.get_window("hann", 2048, fftbins=True).astype(np.float32), made)
    save(out, "mfcc/mel_filterbank_sr22050_nfft2048_nmels128.npy", librosa.filters.mel(sr=SR, n_fft=2048), made)
    for name in CASES:
        wav = f"mfcc/{name}.wav"
        y = load(os.path.join(root, wav))
        case = {"wav": wav, "samples": len(y)}
        if name == "track_30s":
            segments = np.stack([mfcc(y[d * SEGMENT : (d + 1) * SEGMENT], 13).T for d in range(10)])
            save(out, f"mfcc/{name}.segments_mfcc13.npy", segments.astype(np.float32), made)
            case["segments_mfcc13"] = f"mfcc/{name}.segments_mfcc13.npy"
            segments = np.stack([logmel(y[d * SEGMENT : (d + 1) * SEGMENT]).T for d in range(10)])
            save(out, f"mfcc/{name}.segments_logmel.npy", segments.astype(np.float32), made)
            case["segments_logmel"] = f"mfcc/{name}.segments_logmel.npy"
        else:
            for n in (13, 20, 40):
                save(out, f"mfcc/{name}.mfcc{n}.npy", mfcc(y, n).T.astype(np.float32), made)
            mel = librosa.feature.melspectrogram(y=y, **MFCC_ARGS)
            save(out, f"mfcc/{name}.melpower.npy", mel.T.astype(np.float32), made)
            save(out, f"mfcc/{name}.logmel.npy", logmel(y).T.astype(np.float32), made)
            # How far librosa's own float32 and float64 runs differ: the floor of agreement.
            case["float32_vs_float64_maxabs"] = float(np.abs(mfcc(y, 13) - mfcc(y.astype(np.float64), 13)).max())
            case["mfcc13_frames"] = int(made[f"mfcc/{name}.mfcc13.npy"].shape[0])
        index["cases"][name] = case


def make_resampled(root, out, made, index):
    """Every full 3 s segment of the stereo 44.1 kHz FLAC, loaded at 22050 Hz by librosa."""
    name = RESAMPLED["name"]
    flac = f"resample/{name}.flac"
    y, sr = librosa.load(os.path.join(root, flac), sr=SR, mono=True, res_type="sinc_best")
    assert sr == SR and y.dtype == np.float32
    full = len(y) // SEGMENT
    segments = [y[d * SEGMENT : (d + 1) * SEGMENT] for d in range(full)]
    save(out, f"resample/{name}.segments_mfcc13.npy", np.stack([mfcc(s, 13).T for s in segments]), made)
    save(out, f"resample/{name}.segments_logmel.npy", np.stack([logmel(s).T for s in segments]), made)
    index["cases"][name] = {
        "audio": flac, "sampleRate": RESAMPLED["sr"], "channels": 2, "resampledSamples": len(y), "segments": full,
        "load": 'librosa.load(sr=22050, mono=True, res_type="sinc_best")', "samplerate": samplerate.__version__,
    }


# ---- Keras ----------------------------------------------------------------------------------


def recurrent_model(keras, kind):
    """The seed's shape without dropout (dropout is the identity at inference), with an LSTM or
    a GRU (Keras's default GRU: reset_after=True) of 128 units."""
    inputs = keras.Input((130, 13))
    layer = keras.layers.LSTM if kind == "lstm" else keras.layers.GRU
    x = layer(128, name=kind)(inputs)
    for i, width in enumerate((128, 64, 48)):
        x = keras.layers.Dense(width, activation="relu", name=f"dense{i}")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="dense3")(x)
    return keras.Model(inputs, outputs)


def recurrent_weights(model, kind):
    """Layer name and weight name (kernel, recurrent_kernel, bias) to the value, in file order."""
    values = {f"{layer.name}_{w.name}": w for layer in model.layers for w in layer.trainable_weights}
    return {name: np.asarray(values[name].numpy(), dtype=np.float32) for name in recurrent_weight_names(kind)}


def make_recurrent(root, out, made, index, kind):
    import keras
    import tensorflow as tf

    read = lambda name: np.load(os.path.join(root, kind, name + ".npy"))  # noqa: E731
    x, labels = read("input"), read("labels")
    model = recurrent_model(keras, kind)
    for layer in model.layers:
        names = [f"{layer.name}_{w.name}" for w in layer.trainable_weights]
        if names:
            layer.set_weights([read(n) for n in names])
    hidden = keras.Model(model.inputs, model.get_layer(kind).output)(x)
    save(out, f"{kind}/{kind}_last_hidden.npy", np.asarray(hidden, dtype=np.float32), made)

    variables = [w for layer in model.layers for w in layer.trainable_weights]
    names = [f"{layer.name}_{w.name}" for layer in model.layers for w in layer.trainable_weights]
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        probabilities = model(inputs, training=False)
        loss = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    gradients = tape.gradient(loss, [v.value for v in variables] + [inputs])
    save(out, f"{kind}/probs.npy", np.asarray(probabilities, dtype=np.float32), made)
    save(out, f"{kind}/loss.npy", np.asarray(loss, dtype=np.float32), made)
    for name, g in zip(names + ["input"], gradients):
        save(out, f"{kind}/grad_{name}.npy", np.asarray(g, dtype=np.float32), made)

    adam = keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    adam.apply_gradients(zip(gradients[:-1], variables))
    for name, v in zip(names, variables):
        save(out, f"{kind}/after_adam_{name}.npy", np.asarray(v.numpy(), dtype=np.float32), made)
    index["cases"][kind] = {"batch": int(x.shape[0]), "steps": int(x.shape[1]), "features": int(x.shape[2]),
                            "loss": float(loss)}


def conv_model(keras, kind):
    """cnn-mel's layers (four Conv2D(c, 3x3, same, no bias) -> BatchNormalization -> ReLU blocks,
    c = 16, 32, 64, 64, the first three followed by MaxPooling2D(2x2), the fourth by
    GlobalAveragePooling2D, then Dense(10, softmax)), or crnn-mel's (the first three blocks,
    Reshape to (frames, bands x channels), GRU(64), Dense(10, softmax)); dropout is left out
    (the identity at inference, and its masks are not Keras's to share)."""
    inputs = keras.Input(CONV_INPUT[kind])
    x = inputs
    widths = (16, 32, 64, 64) if kind == "cnn" else (16, 32, 64)
    for i, c in enumerate(widths):
        x = keras.layers.Conv2D(c, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3, name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if i < 3:
            x = keras.layers.MaxPooling2D(2, name=f"pool{i}")(x)
    if kind == "cnn":
        x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    else:
        frames, bands, channels = x.shape[1], x.shape[2], x.shape[3]
        x = keras.layers.Reshape((frames, bands * channels), name="reshape")(x)
        x = keras.layers.GRU(64, name="gru")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="dense")(x)
    return keras.Model(inputs, outputs)


def conv_weights(model):
    """Every weight, trainable or not (BatchNormalization's moving statistics), as
    LAYER_WEIGHT in model order."""
    return {f"{layer.name}_{w.name}": np.asarray(w.numpy(), dtype=np.float32)
            for layer in model.layers for w in layer.weights}


def make_conv(root, out, made, index, kind):
    """Inference probabilities (moving statistics); then one training step as Keras's `fit`
    takes it: a training-mode forward (batch statistics), its loss and every gradient, the
    moving statistics that forward left, and the weights after one Adam step."""
    import keras
    import tensorflow as tf

    read = lambda name: np.load(os.path.join(root, kind, name + ".npy"))  # noqa: E731
    x, labels = read("input"), read("labels")
    model = conv_model(keras, kind)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([read(f"{layer.name}_{w.name}") for w in layer.weights])
    save(out, f"{kind}/probs_inference.npy", np.asarray(model(x, training=False), dtype=np.float32), made)

    variables = [w for layer in model.layers for w in layer.trainable_weights]
    names = [f"{layer.name}_{w.name}" for layer in model.layers for w in layer.trainable_weights]
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        probabilities = model(inputs, training=True)
        loss = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    gradients = tape.gradient(loss, [v.value for v in variables] + [inputs])
    save(out, f"{kind}/probs_training.npy", np.asarray(probabilities, dtype=np.float32), made)
    save(out, f"{kind}/loss.npy", np.asarray(loss, dtype=np.float32), made)
    for name, g in zip(names + ["input"], gradients):
        save(out, f"{kind}/grad_{name}.npy", np.asarray(g, dtype=np.float32), made)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for w in (layer.moving_mean, layer.moving_variance):
                save(out, f"{kind}/after_training_{layer.name}_{w.name}.npy", np.asarray(w.numpy(), np.float32), made)
    adam = keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    adam.apply_gradients(zip(gradients[:-1], variables))
    for name, v in zip(names, variables):
        save(out, f"{kind}/after_adam_{name}.npy", np.asarray(v.numpy(), dtype=np.float32), made)
    index["cases"][kind] = {"batch": int(x.shape[0]), "input": list(x.shape[1:]), "loss": float(loss),
                            "weights": sorted(conv_weights(model))}


# ---- check ----------------------------------------------------------------------------------


def check(root, made):
    """Each remade array against the committed one: within 1e-5 of its largest magnitude, or
    within 1e-6 absolutely (an Adam step on a near-zero gradient moves a zero bias by about the
    learning rate whatever the gradient's last bits, so its relative error means little)."""
    failures = 0
    for relative, value in sorted(made.items()):
        committed = np.load(os.path.join(root, relative))
        if committed.shape != value.shape:
            print(f"{relative}: shape {value.shape}, committed {committed.shape}")
            failures += 1
            continue
        absolute = float(np.abs(committed.astype(np.float64) - value).max())
        scaled = absolute / max(float(np.abs(committed).max()), 1e-30)
        ok = scaled <= 1e-5 or absolute <= 1e-6
        failures += not ok
        print(f"{relative}: max difference {absolute:.3g} ({scaled:.3g} of its scale){'' if ok else '  TOO FAR'}")
    print(f"{len(made)} arrays remade, {failures} too far from the committed ones")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="Tests/Reference", help="the reference folder (default %(default)s)")
    parser.add_argument("--check", action="store_true", help="remake in memory and compare; write nothing")
    parser.add_argument("--new-inputs", type=int, metavar="SEED", help="first make new WAVs, batches and weights")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="with --new-inputs: which inputs to remake, of %(default)s")
    args = parser.parse_args()
    if args.new_inputs is not None:
        if args.check:
            parser.error("--new-inputs and --check exclude each other")
        parts = args.parts.split(",")
        if not set(parts) <= set(PARTS):
            parser.error(f"--parts: choose from {', '.join(PARTS)}")
        make_inputs(args.root, args.new_inputs, parts)
    import keras
    import tensorflow as tf

    index = {"librosa": librosa.__version__, "keras": keras.__version__, "tensorflow": tf.__version__, "cases": {}}
    made = {}
    out = None if args.check else args.root
    make_mfcc(args.root, out, made, index)
    make_resampled(args.root, out, made, index)
    for kind in ("lstm", "gru"):
        make_recurrent(args.root, out, made, index, kind)
    for kind in ("cnn", "crnn"):
        make_conv(args.root, out, made, index, kind)
    if args.check:
        return check(args.root, made)
    with open(os.path.join(args.root, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    print(f"wrote {len(made)} arrays and index.json to {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
