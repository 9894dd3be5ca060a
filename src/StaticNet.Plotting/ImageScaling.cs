namespace StaticNet.Plotting;

/// <summary>How <see cref="ImageGrid"/> turns values into grey levels (white the lowest, black the highest).</summary>
public enum ImageScaling
{
    /// <summary>
    /// Each image from its own smallest value (white) to its own largest (black), as matplotlib's
    /// <c>imshow</c> does by default: shows every image's pattern, such as a convolution's filters or
    /// feature maps, whatever its range. An image whose values are all equal is white.
    /// </summary>
    EachImage,

    /// <summary>One range for every image, from the smallest value of all (white) to the largest (black): shows which images are stronger.</summary>
    AllImages,

    /// <summary>The values as they are, 0 white and 1 black, others clamped into [0, 1]: pixels such as <c>Mnist.Load</c> gives them.</summary>
    UnitRange,
}
