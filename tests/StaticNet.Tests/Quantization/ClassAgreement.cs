namespace StaticNet.Tests.Quantization;

/// <summary>How an int8 network's classes compare with the float32 network's and the labels.</summary>
internal static class ClassAgreement
{
    /// <summary>float32's accuracy (the largest of each row of <paramref name="p"/>), int8's, and how many rows' classes agree.</summary>
    public static (double Float, double Int8, int Agree) Of(float[,] p, int[] int8Classes, int[] labels)
    {
        int samples = labels.Length, floatRight = 0, int8Right = 0, agree = 0;
        for (int s = 0; s < samples; s++)
        {
            int best = 0;
            for (int k = 1; k < p.GetLength(1); k++) if (p[s, k] > p[s, best]) best = k;
            if (best == labels[s]) floatRight++;
            if (int8Classes[s] == labels[s]) int8Right++;
            if (int8Classes[s] == best) agree++;
        }
        return ((double)floatRight / samples, (double)int8Right / samples, agree);
    }
}
