"""The identical Keras model (lstm-seed, or gru-mfcc) trained on the same arrays, for `make
bench`: prints the seconds of every epoch and the test accuracy.

usage: python keras_train.py FEATURES EPOCHS [SEED [RECIPE]]   (RECIPE: lstm-seed or gru-mfcc)

gru-mfcc is lstm-seed's head on Keras's default GRU(128) (reset_after=True), with each MFCC
coefficient standardised by the train split's mean and deviation (as GenreKit stores them with
the model); early stopping (patience 10) cannot trigger in a few epochs, so it is left out.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402


class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1} {time.perf_counter() - self.start:.3f} s "
              f"loss {logs['loss']:.4f} val_accuracy {logs['val_accuracy']:.4f}", flush=True)


def main():
    folder, epochs = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 42
    recipe = sys.argv[4] if len(sys.argv) > 4 else "lstm-seed"
    assert recipe in ("lstm-seed", "gru-mfcc"), recipe
    genres = json.load(open(os.path.join(folder, "dataset.json")))["genres"]
    train, val, test = ({k: d[k] for k in d.files} for d in (np.load(os.path.join(folder, f"{s}.npz"))
                                                              for s in ("train", "val", "test")))
    if recipe == "gru-mfcc":
        mean, std = train["mfcc"].mean(axis=(0, 1)), train["mfcc"].std(axis=(0, 1))
        for split in (train, val, test):
            split["mfcc"] = ((split["mfcc"] - mean) / std).astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((train["mfcc"].shape[1], train["mfcc"].shape[2])),
        keras.layers.LSTM(128) if recipe == "lstm-seed" else keras.layers.GRU(128),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(48, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(len(genres), activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train["mfcc"], train["label"], validation_data=(val["mfcc"], val["label"]),
              batch_size=20, epochs=epochs, shuffle=True, verbose=0, callbacks=[Timer()])
    _, accuracy = model.evaluate(test["mfcc"], test["label"], verbose=0)
    print(f"test accuracy {accuracy:.4f} keras {keras.__version__}")


if __name__ == "__main__":
    main()
