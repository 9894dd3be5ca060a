using System;
using System.Collections.Generic;
using System.IO;

namespace StaticNet.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT license): 70,000 28x28 grey images of clothing in
/// 10 classes, in MNIST's file format, as <c>keras.datasets.fashion_mnist.load_data()</c> gives it.
/// </summary>
public static class FashionMnist
{
    /// <summary>The class names, by label: <c>ClassNames[label]</c>.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The full Fashion-MNIST dataset (60,000 training and 10,000 test images), downloaded on first
    /// use from public mirrors, checked against the published SHA-256 of each file, kept in a
    /// per-user cache (the <c>fashion-mnist</c> subfolder of the cache root) and read from there afterwards.
    /// A copy that is already on disk, such as Debian's <c>dataset-fashion-mnist</c> package
    /// (<c>/usr/share/datasets/fashion-mnist</c>, recompressed, so other hashes), reads with
    /// <see cref="Mnist.Load"/>.
    /// </summary>
    /// <inheritdoc cref="Mnist.LoadOrDownload(string?, IReadOnlyList{Uri}?, TextWriter?)"/>
    public static MnistData LoadOrDownload(string? cacheDirectory = null, IReadOnlyList<Uri>? mirrors = null, TextWriter? log = null) =>
        Mnist.LoadOrDownload(Source, cacheDirectory, mirrors, log);

    /// <summary>Fashion-MNIST: the original files, with the SHA-256 that TensorFlow Datasets publishes.</summary>
    internal static readonly DatasetSource Source = new(
        "Fashion-MNIST",
        "fashion-mnist",
        [
            new Uri("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"), // Keras
            new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),   // the authors' (HTTP only; the hash guards it)
        ],
        [
            new DatasetFile("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
            new DatasetFile("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
            new DatasetFile("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
            new DatasetFile("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
        ]);
}
