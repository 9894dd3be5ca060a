using System;
using System.IO;

namespace StaticNet;

/// <summary>
/// Makes a <c>Fit</c> that was interrupted (killed, crashed, cancelled) resume from its last
/// completed epoch when the same call runs again: Keras's <c>keras.callbacks.BackupAndRestore</c>
/// with <c>save_freq="epoch"</c>.
/// </summary>
/// <remarks>
/// <para>At the end of every epoch it saves a full checkpoint (<see cref="NeuralNetwork.SaveCheckpoint(string)"/>:
/// weights, optimizer state and step count, the generator that shuffles and draws dropout masks,
/// the epochs completed) to <see cref="BackupPath"/>, <c>latest.ckpt</c> in the backup folder,
/// atomically (a process killed while saving leaves the previous backup whole). When training
/// begins and a backup exists, it loads it and <c>Fit</c> starts from the epoch after the backup's
/// last (whatever its <c>initialEpoch</c> says), so the program needs no change between runs, and
/// the final parameters are bit for bit those of a run that was never interrupted.</para>
/// <para>When training ends normally (also after an early stop) the backup is deleted, unless
/// <c>deleteCheckpoint: false</c>; an exception or a cancellation leaves it for the next run. Keras
/// deletes the whole folder; this deletes only its own file (and temporary files a killed save
/// left beside it), then the folder if that leaves it empty. Use a folder for one training run.</para>
/// <para>As in Keras, the <see cref="History"/> a resumed <c>Fit</c> returns holds only the epochs it
/// ran (<see cref="History.Epoch"/> starts at the restored epoch), and the other callbacks' state
/// (<see cref="EarlyStopping"/>'s patience count and best weights, <see cref="ReduceLROnPlateau"/>'s
/// counters, <see cref="ModelCheckpoint.Best"/>) is not part of the backup: they start afresh.
/// Callbacks run in the order given: list this one after callbacks that change the model at the end
/// of an epoch (such as <see cref="ReduceLROnPlateau"/>), so that its backup includes the change.</para>
/// <para>The backup must come from the same program: a model of another shape, loss or optimizer
/// setting fails to load with <see cref="InvalidDataException"/> naming the file.</para>
/// </remarks>
public sealed class BackupAndRestore : Callback
{
    /// <summary>The name of the backup file in the folder.</summary>
    public const string FileName = "latest.ckpt";

    /// <summary>Creates the callback.</summary>
    /// <param name="backupDirectory">The folder for the backup (created when first needed); not to be shared with other runs or files.</param>
    /// <param name="deleteCheckpoint">Delete the backup when training ends normally (Keras's <c>delete_checkpoint</c>).</param>
    public BackupAndRestore(string backupDirectory, bool deleteCheckpoint = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupDirectory);
        BackupDirectory = backupDirectory;
        DeleteCheckpoint = deleteCheckpoint;
    }

    /// <summary>The backup folder.</summary>
    public string BackupDirectory { get; }

    /// <summary>Whether the backup is deleted when training ends normally.</summary>
    public bool DeleteCheckpoint { get; }

    /// <summary>The backup file: <see cref="FileName"/> in <see cref="BackupDirectory"/>.</summary>
    public string BackupPath => Path.Combine(BackupDirectory, FileName);

    /// <summary>The epoch the last <c>Fit</c> resumed from (the epochs its backup had completed), or null if it started without a backup.</summary>
    public int? RestoredEpoch { get; private set; }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The backup is not a checkpoint of this model (shape, loss or optimizer settings differ).</exception>
    public override void OnTrainBegin()
    {
        RestoredEpoch = null;
        string path = BackupPath;
        if (!File.Exists(path)) return;
        CheckpointInfo info;
        try
        {
            info = Model.LoadCheckpoint(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(
                $"BackupAndRestore cannot resume from {path}: {e.Message} The backup belongs to another training run; delete it (or use another folder) to start afresh.", e);
        }
        RestoredEpoch = info.Epoch;
        Model.ResumeEpoch = info.Epoch;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        Directory.CreateDirectory(BackupDirectory);
        Model.SaveCheckpoint(BackupPath);
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(Logs logs)
    {
        if (!DeleteCheckpoint || !Directory.Exists(BackupDirectory)) return;
        File.Delete(BackupPath);
        foreach (string stray in Directory.EnumerateFiles(BackupDirectory, FileName + ".*.tmp")) TryDelete(stray);
        if (!Directory.EnumerateFileSystemEntries(BackupDirectory).GetEnumerator().MoveNext())
        {
            try { Directory.Delete(BackupDirectory); }
            catch (IOException) { }   // another process wrote into it meanwhile: leave it
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
