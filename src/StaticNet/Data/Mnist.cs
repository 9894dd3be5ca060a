using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace StaticNet.Data;

/// <summary>
/// An MNIST-style dataset in memory: images as <c>[count, rows * cols]</c> pixels in [0, 1], one
/// image per row, and their labels.
/// </summary>
/// <param name="TrainImages">The training images.</param>
/// <param name="TrainLabels">The training labels, one per row of <paramref name="TrainImages"/>.</param>
/// <param name="TestImages">The test images.</param>
/// <param name="TestLabels">The test labels, one per row of <paramref name="TestImages"/>.</param>
public sealed record MnistData(float[,] TrainImages, int[] TrainLabels, float[,] TestImages, int[] TestLabels);

/// <summary>
/// Loads MNIST and datasets in the same format (Fashion-MNIST) from a folder holding the four
/// standard IDX files, and helps select classes and find the bundled data.
/// </summary>
public static class Mnist
{
    private const string TrainImagesName = "train-images-idx3-ubyte";
    private const string TrainLabelsName = "train-labels-idx1-ubyte";
    private const string TestImagesName = "t10k-images-idx3-ubyte";
    private const string TestLabelsName = "t10k-labels-idx1-ubyte";

    /// <summary>
    /// Loads the four standard files from <paramref name="directory"/>:
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>
    /// and <c>t10k-labels-idx1-ubyte</c>, each raw or with a <c>.gz</c> suffix (the raw one is used
    /// when both exist, as it reads faster).
    /// </summary>
    /// <param name="directory">The folder, such as the result of <see cref="FindDataDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">
    /// The folder does not exist or lacks some of the files; the message names the folder and the
    /// files expected.
    /// </exception>
    /// <exception cref="InvalidDataException">
    /// A file is not valid IDX (see <see cref="Idx"/>), image and label counts differ, or training
    /// and test images differ in size.
    /// </exception>
    public static MnistData Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new FileNotFoundException(
                $"The MNIST folder '{directory}' does not exist; it should hold {ExpectedFiles()}.", directory);

        string[] names = [TrainImagesName, TrainLabelsName, TestImagesName, TestLabelsName];
        var paths = new string[names.Length];
        var missing = new List<string>();
        for (int i = 0; i < names.Length; i++)
        {
            string raw = Path.Combine(directory, names[i]);
            string gz = raw + ".gz";
            if (File.Exists(raw)) paths[i] = raw;
            else if (File.Exists(gz)) paths[i] = gz;
            else missing.Add(names[i]);
        }
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"The MNIST folder '{directory}' lacks {string.Join(", ", missing.Select(n => $"{n}[.gz]"))}; " +
                $"it should hold {ExpectedFiles()}.",
                Path.Combine(directory, missing[0]));

        var (trainImages, trainLabels) = LoadPair(paths[0], paths[1]);
        var (testImages, testLabels) = LoadPair(paths[2], paths[3]);
        if (trainImages.GetLength(1) != testImages.GetLength(1))
            throw new InvalidDataException(
                $"'{paths[0]}' has images of {trainImages.GetLength(1)} pixels but '{paths[2]}' has images of " +
                $"{testImages.GetLength(1)} pixels.");
        return new MnistData(trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>
    /// The full MNIST dataset (60,000 training and 10,000 test digits), as <c>keras.datasets.mnist.load_data()</c>
    /// gives it: downloaded on first use from public mirrors, checked against the published SHA-256
    /// of each file, kept in a per-user cache and read from there afterwards (no network).
    /// </summary>
    /// <param name="cacheDirectory">The cache root; the files go into its <c>mnist</c> subfolder. Null
    /// (the default) means <c>$STATICNET_DATASETS</c> if set, else <c>~/.local/share/StaticNet/datasets</c>
    /// on Linux and macOS, <c>%LOCALAPPDATA%\StaticNet\datasets</c> on Windows.</param>
    /// <param name="mirrors">Base URLs to download from instead of the public ones (your own mirror
    /// holding the four <c>.gz</c> files); tried in order. The published hashes are still checked.</param>
    /// <param name="log">Where to report downloads; null for the console, <see cref="TextWriter.Null"/> for none.</param>
    /// <returns>Images as <c>[count, 784]</c> pixels in [0, 1] and labels 0-9, as <see cref="Load"/>.</returns>
    /// <exception cref="IOException">A file is missing from the cache and no mirror could deliver it
    /// (offline, blocked, corrupted); the message lists the URLs tried, the cache folder and how to
    /// place the files there by hand.</exception>
    public static MnistData LoadOrDownload(string? cacheDirectory = null, IReadOnlyList<Uri>? mirrors = null, TextWriter? log = null) =>
        LoadOrDownload(Source, cacheDirectory, mirrors, log);

    /// <summary>MNIST: the original files, with the SHA-256 that TensorFlow Datasets and torchvision publish.</summary>
    internal static readonly DatasetSource Source = new(
        "MNIST",
        "mnist",
        [
            new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/"), // Keras, TensorFlow Datasets
            new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),      // torchvision
        ],
        [
            new DatasetFile(TrainImagesName + ".gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
            new DatasetFile(TrainLabelsName + ".gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
            new DatasetFile(TestImagesName + ".gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
            new DatasetFile(TestLabelsName + ".gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
        ]);

    /// <summary>Downloads what is missing of <paramref name="source"/> and loads the four files from the cache.</summary>
    internal static MnistData LoadOrDownload(DatasetSource source, string? cacheDirectory, IReadOnlyList<Uri>? mirrors, TextWriter? log) =>
        Load(DatasetDownload.EnsureFiles(source, cacheDirectory, mirrors, log));

    /// <summary>
    /// Keeps only the samples whose label is one of <paramref name="keep"/>, in their original
    /// order, e.g. <c>Filter(images, labels, 0, 1)</c> for a two-digit problem. Labels are kept as
    /// they are (not renumbered).
    /// </summary>
    /// <param name="images">Samples, one per row.</param>
    /// <param name="labels">One label per row of <paramref name="images"/>.</param>
    /// <param name="keep">The labels to keep; none keeps no sample.</param>
    /// <returns>New arrays; the inputs are not modified.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The number of rows differs from the number of labels.</exception>
    public static (float[,] Images, int[] Labels) Filter(float[,] images, int[] labels, params int[] keep)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(keep);
        int rows = images.GetLength(0), columns = images.GetLength(1);
        if (rows != labels.Length)
            throw new ArgumentException(
                $"images has {rows} rows but labels has {labels.Length} entries; they must match.", nameof(labels));

        var wanted = new HashSet<int>(keep);
        int kept = 0;
        foreach (int label in labels)
            if (wanted.Contains(label)) kept++;

        var keptImages = new float[kept, columns];
        var keptLabels = new int[kept];
        int next = 0;
        for (int i = 0; i < rows; i++)
        {
            if (!wanted.Contains(labels[i])) continue;
            // Array.Copy indexes a rectangular array as its flattened row-major storage.
            Array.Copy(images, (long)i * columns, keptImages, (long)next * columns, columns);
            keptLabels[next++] = labels[i];
        }
        return (keptImages, keptLabels);
    }

    /// <summary>
    /// Finds the bundled dataset folder by walking up from the application's folder
    /// (<see cref="AppContext.BaseDirectory"/>) and then from the current directory, looking for
    /// <paramref name="relative"/> containing <c>train-images-idx3-ubyte.gz</c> (or its raw version).
    /// Lets samples and tests find the repository's data whether run from the repository root or
    /// from their build output.
    /// </summary>
    /// <param name="relative">The folder to look for, relative to each ancestor.</param>
    /// <returns>The folder's full path, or null if no ancestor has it.</returns>
    /// <exception cref="ArgumentException"><paramref name="relative"/> is null or empty.</exception>
    public static string? FindDataDirectory(string relative = "samples/data/mnist")
    {
        ArgumentException.ThrowIfNullOrEmpty(relative);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(Path.Combine(candidate, TrainImagesName + ".gz")) ||
                    File.Exists(Path.Combine(candidate, TrainImagesName)))
                    return Path.GetFullPath(candidate);
            }
        }
        return null;
    }

    private static (float[,] Images, int[] Labels) LoadPair(string imagesPath, string labelsPath)
    {
        float[,] images = Idx.ReadImages(imagesPath);
        int[] labels = Idx.ReadLabels(labelsPath);
        if (images.GetLength(0) != labels.Length)
            throw new InvalidDataException(
                $"'{imagesPath}' has {images.GetLength(0)} images but '{labelsPath}' has {labels.Length} labels.");
        return (images, labels);
    }

    private static string ExpectedFiles() =>
        $"{TrainImagesName}, {TrainLabelsName}, {TestImagesName} and {TestLabelsName}, each raw or with a .gz suffix";
}
