using System;
using System.IO;
using StaticNet.Serialization;

namespace StaticNet;

// Weights files and training checkpoints (layouts in docs/FORMATS.md).
public abstract partial class NeuralNetwork
{
    /// <summary>
    /// Epochs completed by <c>Fit</c> so far, recorded by <see cref="SaveCheckpoint(string)"/> and
    /// restored by <see cref="LoadCheckpoint(string)"/>. Fit sets it at the end of each epoch.
    /// </summary>
    internal int CompletedEpochs { get; set; }

    /// <summary>
    /// Set by <see cref="BackupAndRestore"/> when it restores a backup at the start of training: the
    /// epoch <c>Fit</c> starts from instead of its <c>initialEpoch</c> (Keras's <c>model._initial_epoch</c>).
    /// </summary>
    internal int? ResumeEpoch { get; set; }

    // ---------------------------------------------------------------- weights

    /// <summary>
    /// Saves the parameters (with the network's shape and a checksum) to <paramref name="path"/>.
    /// Crash-safe: the file is written beside the target, flushed to disk and renamed over it, so
    /// an interrupted save leaves the previous file intact.
    /// </summary>
    public void SaveWeights(string path) => AtomicFile.Write(path, SaveWeights);

    /// <summary>Writes the parameters in the weights format to <paramref name="stream"/> (left open).</summary>
    public void SaveWeights(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = new FormatWriter(stream);
        NetworkFormat.WriteHeaderAndParameters(writer, NetworkFormat.WeightsMagic, NetworkShape, DocumentedParameters);
        writer.Finish();
    }

    /// <summary>
    /// Replaces the parameters with those saved by <see cref="SaveWeights(string)"/>, or with the
    /// parameters of a checkpoint (<see cref="SaveCheckpoint(string)"/>, <see cref="ModelCheckpoint"/>'s
    /// default), whose other sections are then ignored. The compiled optimizer's state is kept.
    /// The model is unchanged when the load fails.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a weights file for this network's shape, or it is truncated or corrupt;
    /// for an ONNX or Keras file, the message points to <c>StaticNet.Import.ModelImport.LoadWeights(model, path)</c>.</exception>
    public void LoadWeights(string path)
    {
        using FileStream stream = AtomicFile.OpenRead(path);
        ForeignWeightsFile.ThrowIfForeign(stream, path);   // ONNX and Keras files: point to StaticNet.Import
        LoadWeights(stream, wholeStream: true);
    }

    /// <summary>Reads parameters in the weights format from <paramref name="stream"/> (left open, positioned after the data).</summary>
    /// <exception cref="InvalidDataException">The data is not a weights file for this network's shape, or it is truncated or corrupt.</exception>
    public void LoadWeights(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        LoadWeights(stream, wholeStream: false);
    }

    private void LoadWeights(Stream stream, bool wholeStream)
    {
        var reader = new FormatReader(stream);
        float[] parameters = NetworkFormat.ReadHeaderAndParameters(reader, checkpoint: false, NetworkShape, acceptCheckpoint: true, out bool isCheckpoint);
        // A full checkpoint (ModelCheckpoint's default) gives its weights, as Keras's load_weights
        // takes a whole saved model; its optimizer and training sections are only checked.
        if (isCheckpoint) NetworkFormat.SkipCheckpointSections(reader);
        Finish(reader, wholeStream);
        parameters.CopyTo(WritableParameters);
    }

    // ---------------------------------------------------------------- checkpoints

    /// <summary>
    /// Saves everything needed to resume training exactly: the parameters, the optimizer's type,
    /// settings, learning rate, step count and state arrays, the number of completed epochs, the
    /// shuffling generator's state, and the loss and metric names. Crash-safe like
    /// <see cref="SaveWeights(string)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public void SaveCheckpoint(string path)
    {
        RequireOptimizer("SaveCheckpoint");
        AtomicFile.Write(path, SaveCheckpoint);
    }

    /// <summary>Writes a checkpoint to <paramref name="stream"/> (left open).</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Optimizer optimizer = RequireOptimizer("SaveCheckpoint");
        if (_metrics.Length > NetworkFormat.MaxMetrics)
            throw new InvalidOperationException($"A checkpoint records at most {NetworkFormat.MaxMetrics} metrics; this model has {_metrics.Length}.");
        var writer = new FormatWriter(stream);
        NetworkFormat.WriteHeaderAndParameters(writer, NetworkFormat.CheckpointMagic, NetworkShape, DocumentedParameters);
        writer.WriteInt32(CompletedEpochs);
        writer.WriteInt32(Seed);
        writer.WriteUInt64(_shuffleRng.State);
        writer.WriteString(Loss!.Name);
        writer.WriteByte(Loss.FromLogits ? (byte)1 : (byte)0);
        writer.WriteByte((byte)_metrics.Length);
        foreach (Metric metric in _metrics) writer.WriteString(metric.Name);
        optimizer.WriteState(writer);
        writer.Finish();
    }

    /// <summary>
    /// Restores a checkpoint saved by <see cref="SaveCheckpoint(string)"/> into this model, which
    /// must be compiled with the same loss and an optimizer of the same type and settings (a new
    /// instance: its state, learning rate and step count are replaced). Returns the epoch to pass
    /// to <c>Fit</c> as <c>initialEpoch</c>. The model is unchanged when the load fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint for this network's shape, loss and optimizer, or it is truncated or corrupt.</exception>
    public CheckpointInfo LoadCheckpoint(string path)
    {
        RequireOptimizer("LoadCheckpoint");
        using FileStream stream = AtomicFile.OpenRead(path);
        return LoadCheckpoint(stream, wholeStream: true);
    }

    /// <summary>Restores a checkpoint from <paramref name="stream"/> (left open, positioned after the data).</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="InvalidDataException">The data is not a checkpoint for this model, or it is truncated or corrupt.</exception>
    public CheckpointInfo LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return LoadCheckpoint(stream, wholeStream: false);
    }

    private CheckpointInfo LoadCheckpoint(Stream stream, bool wholeStream)
    {
        Optimizer optimizer = RequireOptimizer("LoadCheckpoint");
        Loss loss = Loss!;
        var reader = new FormatReader(stream);
        float[] parameters = NetworkFormat.ReadHeaderAndParameters(reader, checkpoint: true, NetworkShape);

        int epochs = reader.ReadInt32("completed epoch count");
        if (epochs < 0)
            throw new InvalidDataException($"The checkpoint records {epochs} completed epochs; expected at least 0 (the file is corrupt).");
        int seed = reader.ReadInt32("seed");
        ulong shuffleState = reader.ReadUInt64("shuffle generator state");
        string lossName = reader.ReadString("loss name");
        byte fromLogits = reader.ReadByte("loss fromLogits flag");
        if (fromLogits > 1)
            throw new InvalidDataException($"The checkpoint's fromLogits flag is {fromLogits}; expected 0 or 1 (the file is corrupt).");
        string fileLoss = DescribeLoss(lossName, fromLogits == 1), myLoss = DescribeLoss(loss.Name, loss.FromLogits);
        if (fileLoss != myLoss)
            throw new InvalidDataException($"The checkpoint was trained with the loss {fileLoss}; this model is compiled with {myLoss}.");
        int metricCount = reader.ReadByte("metric count");
        if (metricCount > NetworkFormat.MaxMetrics)
            throw new InvalidDataException($"The checkpoint lists {metricCount} metrics; at most {NetworkFormat.MaxMetrics} are allowed (the file is corrupt).");
        var metrics = new string[metricCount];
        for (int m = 0; m < metrics.Length; m++) metrics[m] = reader.ReadString("metric name");

        Action commitOptimizer = optimizer.ReadState(reader);
        Finish(reader, wholeStream);

        // Everything is read and verified: only now does the model change.
        parameters.CopyTo(WritableParameters);
        commitOptimizer();
        _shuffleRng.State = shuffleState;
        CompletedEpochs = epochs;
        return new CheckpointInfo(epochs, optimizer.Iterations, optimizer.LearningRate, fileLoss, metrics, optimizer.Describe(), seed);
    }

    // ---------------------------------------------------------------- helpers

    private static void Finish(FormatReader reader, bool wholeStream)
    {
        reader.VerifyChecksum();
        if (wholeStream && !reader.AtEnd())
            throw new InvalidDataException($"The file has unexpected data after its checksum (at byte {reader.Position}); it is corrupt or not a StaticNet file.");
    }

    private static string DescribeLoss(string name, bool fromLogits) => fromLogits ? name + " (fromLogits: true)" : name;

    private Optimizer RequireOptimizer(string operation) =>
        Optimizer ?? throw new InvalidOperationException($"The model is not compiled: call Compile(loss, optimizer) before {operation}.");
}
