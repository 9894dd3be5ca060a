using System;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Training;

public class ArrayRowsTests
{
    [Fact]
    public void Row_IsThatRowInPlace()
    {
        var x = new float[3, 4];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++) x[r, c] = 10 * r + c;
        Assert.Equal(new float[] { 20, 21, 22, 23 }, x.Row(2).ToArray());
        x[1, 3] = -5;
        Assert.Equal(-5, x.Row(1)[3]);   // no copy: a later write shows
    }

    [Fact]
    public void Row_OutOfRangeOrNull_NamesTheArgument()
    {
        var x = new float[2, 3];
        Assert.Equal("row", Assert.Throws<ArgumentOutOfRangeException>(() => x.Row(2)).ParamName);
        Assert.Equal("row", Assert.Throws<ArgumentOutOfRangeException>(() => x.Row(-1)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => ((float[,])null!).Row(0)).ParamName);
        Assert.Equal(0, new float[2, 0].Row(1).Length);
    }

    [Fact]
    public void PredictClassOfARow_EqualsTheBatchPrediction()
    {
        var model = new XorNet(seed: 3);
        var x = new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        int[] batch = model.PredictClasses(x);
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(batch[r], model.PredictClass(x.Row(r)));
            // The one-sample kernel's bits (the batch kernel sums in another order: equal to rounding).
            var single = new float[1];
            model.Predict(x.Row(r), single);
            Assert.Equal(single[0], model.Predict(x.Row(r))[0]);
            Assert.Equal(model.Predict(x)[r, 0], single[0], 1e-6f);
        }
    }
}
