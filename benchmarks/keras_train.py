"""The identical Keras model (any recipe of the zoo) trained on the same arrays, for `make bench`
and `make bench-accuracy`: prints the seconds of every epoch and the test accuracy.

usage: python keras_train.py FEATURES EPOCHS [SEED [RECIPE [BACKUP]]]
    RECIPE: lstm-seed or gru-mfcc (FEATURES from prepare), cnn-mel or crnn-mel (prepare --features mel)
    BACKUP: a folder for the state after each epoch; run again with it, an interrupted run carries
    on after its last finished epoch (the weights, Adam's moments and early stopping's state come
    back; the shuffling and dropout draws after the restart are new ones)

gru-mfcc is lstm-seed's head on Keras's default GRU(128) (reset_after=True); cnn-mel and crnn-mel
are manifests/models/*.json layer for layer. Every recipe but lstm-seed standardises each input
column (MFCC coefficient or mel band) by the train split's mean and deviation, as GenreKit stores
them with the model, and stops early as the recipes say (validation loss, patience 10, the best
weights restored).
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
              f"loss {logs['loss']:.4f} val_accuracy {logs['val_accuracy']:.4f} val_loss {logs['val_loss']:.4f}",
              flush=True)


class Backup(keras.callbacks.Callback):
    """After every epoch, the weights with the optimiser's state and early stopping's counters and
    best weights go to `folder`; `state.json`, replaced last, names the epoch they belong to, so a
    run killed while writing resumes from the epoch before. Goes after `stopping` in the list, so
    it saves the counters of the epoch just ended."""

    def __init__(self, folder, stopping, epochs):
        super().__init__()
        self.folder, self.stopping, self.epochs = folder, stopping, epochs
        os.makedirs(folder, exist_ok=True)

    def _path(self, epoch, name):
        return os.path.join(self.folder, f"epoch-{epoch}.{name}")

    def on_train_begin(self, logs=None):
        state_path = os.path.join(self.folder, "state.json")
        if not os.path.exists(state_path):
            return
        state = json.load(open(state_path))
        done = state["epochs_done"]
        self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(self._path(done, "weights.h5"))
        if self.stopping is not None:
            for key in ("wait", "best", "best_epoch", "stopped_epoch"):
                setattr(self.stopping, key, state["stopping"][key])
            best = np.load(self._path(done, "best.npz"))
            self.stopping.best_weights = [best[f"w{i}"] for i in range(len(best.files))]
        stopped = self.stopping is not None and self.stopping.stopped_epoch > 0
        self.model._initial_epoch = self.epochs if stopped else done
        print(f"resumed after epoch {done}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        self.model.save_weights(self._path(done, "weights.h5"))
        state = {"epochs_done": done}
        if self.stopping is not None:
            state["stopping"] = {key: float(getattr(self.stopping, key)) if key == "best"
                                 else int(getattr(self.stopping, key))
                                 for key in ("wait", "best", "best_epoch", "stopped_epoch")}
            np.savez(self._path(done, "best.npz"),
                     **{f"w{i}": w for i, w in enumerate(self.stopping.best_weights)})
        with open(os.path.join(self.folder, "state.json.tmp"), "w") as f:
            json.dump(state, f)
        os.replace(os.path.join(self.folder, "state.json.tmp"), os.path.join(self.folder, "state.json"))
        for name in os.listdir(self.folder):
            if name.startswith("epoch-") and not name.startswith(f"epoch-{done}."):
                os.remove(os.path.join(self.folder, name))


def build(recipe, shape, genres):
    """The recipe's network in Keras for inputs of `shape` ([frames, features])."""
    layers = keras.layers
    if recipe in ("lstm-seed", "gru-mfcc"):
        return keras.Sequential([
            keras.Input(shape),
            layers.LSTM(128) if recipe == "lstm-seed" else layers.GRU(128),
            layers.Dropout(0.2),
            layers.Dense(128, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(48, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(genres, activation="softmax"),
        ])
    stack = [keras.Input(shape), layers.Reshape(tuple(shape) + (1,))]
    widths = (16, 32, 64, 64) if recipe == "cnn-mel" else (16, 32, 64)
    for i, c in enumerate(widths):
        stack += [layers.Conv2D(c, 3, padding="same", use_bias=False),
                  layers.BatchNormalization(momentum=0.99, epsilon=1e-3), layers.ReLU()]
        if i < 3:
            stack.append(layers.MaxPooling2D(2))
    if recipe == "cnn-mel":
        stack.append(layers.GlobalAveragePooling2D())
    else:
        stack += [layers.Reshape((16, 16 * 64)), layers.GRU(64)]
    stack += [layers.Dropout(0.3), layers.Dense(genres, activation="softmax")]
    return keras.Sequential(stack)


def main():
    folder, epochs = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 42
    recipe = sys.argv[4] if len(sys.argv) > 4 else "lstm-seed"
    backup = sys.argv[5] if len(sys.argv) > 5 else None
    assert recipe in ("lstm-seed", "gru-mfcc", "cnn-mel", "crnn-mel"), recipe
    key = "mel" if recipe.endswith("-mel") else "mfcc"
    genres = json.load(open(os.path.join(folder, "dataset.json")))["genres"]
    train, val, test = ({k: d[k] for k in d.files} for d in (np.load(os.path.join(folder, f"{s}.npz"))
                                                              for s in ("train", "val", "test")))
    if recipe != "lstm-seed":
        mean, std = train[key].mean(axis=(0, 1)), train[key].std(axis=(0, 1))
        for split in (train, val, test):
            split[key] = ((split[key] - mean) / std).astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = build(recipe, train[key].shape[1:], len(genres))
    batch = 32 if key == "mel" else 20
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [Timer()]
    stopping = None
    if recipe != "lstm-seed":
        stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10,
                                                 restore_best_weights=True)
        callbacks.append(stopping)
    if backup is not None:
        callbacks.append(Backup(backup, stopping, epochs))
    model.fit(train[key], train["label"], validation_data=(val[key], val["label"]),
              batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=callbacks)
    _, accuracy = model.evaluate(test[key], test["label"], verbose=0)
    print(f"test accuracy {accuracy:.4f} keras {keras.__version__}")


if __name__ == "__main__":
    main()
