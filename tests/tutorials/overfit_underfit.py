# ruff: noqa: E501, UP018, UP032  (the notebook's own lines, kept as they are)
"""TensorFlow's "Overfit and underfit" tutorial, as its cells run, on stand-in data.

Only the import lines differ from the notebook (``from glassnet import tf`` ...). Cut down so
it runs in seconds: 500 training and 200 validation examples of the same 28 features
(seeded stand-in data, not the HIGGS file), batches of 50, at most 8 epochs (the notebook
has 10,000 and 1,000 examples, batches of 500, up to 10,000 epochs, stopping early). The notebook's tf.data pipeline over the CSV file becomes
arrays, as the stand-in data are arrays; tensorflow_docs' EpochDots and HistoryPlotter (not
part of TensorFlow) and the TensorBoard callback are left out.
"""

import pathlib
import shutil
import tempfile

import numpy as np
from matplotlib import pyplot as plt

from glassnet import tf
from glassnet.keras import layers, regularizers

print(tf.__version__)

logdir = pathlib.Path(tempfile.mkdtemp()) / "tensorboard_logs"
shutil.rmtree(logdir, ignore_errors=True)

# -- the data: 28 features and a 0/1 label per event (stand-in for HIGGS.csv.gz) -----------
FEATURES = 28
_rng = np.random.default_rng(2024)
_n = 700
_x = _rng.normal(size=(_n, FEATURES)).astype("float32")
_w = _rng.normal(size=FEATURES).astype("float32")
_logit = _x @ _w / np.sqrt(FEATURES) + 0.8 * np.sin(2 * _x[:, 0]) * _x[:, 1]
# labels as a column (m, 1): Keras on the torch backend wants the shape of the output
_label = (_rng.uniform(size=(_n, 1)) < 1 / (1 + np.exp(-2 * _logit[:, None]))).astype("float32")

N_VALIDATION = int(200)
N_TRAIN = int(500)
BUFFER_SIZE = int(500)
BATCH_SIZE = 50
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE

validate_features, validate_labels = _x[:N_VALIDATION], _label[:N_VALIDATION]
train_features = _x[N_VALIDATION:N_VALIDATION + N_TRAIN]
train_labels = _label[N_VALIDATION:N_VALIDATION + N_TRAIN]

# -- the training procedure ---------------------------------------------------------------
lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(
    0.001,
    decay_steps=STEPS_PER_EPOCH * 1000,
    decay_rate=1,
    staircase=False)


def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)


step = np.linspace(0, 100000)
lr = lr_schedule(step)
plt.figure(figsize=(8, 6))
plt.plot(step / STEPS_PER_EPOCH, lr)
plt.ylim([0, max(plt.ylim())])
plt.xlabel('Epoch')
_ = plt.ylabel('Learning Rate')
lr_first, lr_last = float(lr[0]), float(lr[-1])


def get_callbacks(name):
    return [
        tf.keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200),
    ]


def compile_and_fit(model, name, optimizer=None, max_epochs=8):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(optimizer=optimizer,
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[
                      tf.keras.metrics.BinaryCrossentropy(
                          from_logits=True, name='binary_crossentropy'),
                      'accuracy'])

    model.summary()

    history = model.fit(
        train_features, train_labels,
        batch_size=BATCH_SIZE,
        epochs=max_epochs,
        validation_data=(validate_features, validate_labels),
        callbacks=get_callbacks(name),
        verbose=0)
    return history


# -- demonstrate overfitting: tiny, small, medium and large models -------------------------
tiny_model = tf.keras.Sequential([
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(1)
])

size_histories = {}
size_histories['Tiny'] = compile_and_fit(tiny_model, 'sizes/Tiny')

small_model = tf.keras.Sequential([
    # `input_shape` is only required here so that `.summary` works.
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(16, activation='elu'),
    layers.Dense(1)
])
size_histories['Small'] = compile_and_fit(small_model, 'sizes/Small')

medium_model = tf.keras.Sequential([
    layers.Dense(64, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(64, activation='elu'),
    layers.Dense(64, activation='elu'),
    layers.Dense(1)
])
size_histories['Medium'] = compile_and_fit(medium_model, "sizes/Medium")

large_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(512, activation='elu'),
    layers.Dense(512, activation='elu'),
    layers.Dense(512, activation='elu'),
    layers.Dense(1)
])
size_histories['large'] = compile_and_fit(large_model, "sizes/large")

for _name, _history in size_histories.items():
    plt.plot(_history.epoch, _history.history['val_binary_crossentropy'], label=_name)
plt.ylim([0.5, 0.7])
plt.xlabel("Epochs")

# -- strategies to prevent overfitting ----------------------------------------------------
regularizer_histories = {}
regularizer_histories['Tiny'] = size_histories['Tiny']

l2_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001),
                 input_shape=(FEATURES,)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1)
])

regularizer_histories['l2'] = compile_and_fit(l2_model, "regularizers/l2")

dropout_model = tf.keras.Sequential([
    layers.Dense(512, activation='elu', input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(1)
])

regularizer_histories['dropout'] = compile_and_fit(dropout_model, "regularizers/dropout")

combined_model = tf.keras.Sequential([
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu', input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(512, kernel_regularizer=regularizers.l2(0.0001),
                 activation='elu'),
    layers.Dropout(0.5),
    layers.Dense(1)
])

regularizer_histories['combined'] = compile_and_fit(combined_model, "regularizers/combined")

history_keys = sorted(size_histories['Tiny'].history)
epochs_run = {name: len(h.epoch) for name, h in {**size_histories,
                                                  **regularizer_histories}.items()}
param_counts = {name: m.count_params() for name, m in [
    ('tiny', tiny_model), ('small', small_model), ('medium', medium_model),
    ('large', large_model), ('l2', l2_model), ('dropout', dropout_model),
    ('combined', combined_model)]}
