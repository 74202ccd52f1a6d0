using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>A loop bound lets its loop run exactly its limit and throws on the next iteration.</summary>
public sealed class LoopBoundTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(11)]
    public void A_loop_runs_its_limit_and_throws_one_past_it(long limit)
    {
        var bound = new LoopBound(limit);
        for (var i = 0; i < limit; i++)
        {
            bound.Next();
        }

        var thrown = Assert.Throws<LoopBoundExceededException>(bound.Next);
        Assert.Contains($"bound of {limit} iterations", thrown.Message, StringComparison.Ordinal);
    }
}
