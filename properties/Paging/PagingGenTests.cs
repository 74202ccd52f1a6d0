using FsCheck.Fluent;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>What the generator promises, measured over a fixed-seed sample of scenarios.</summary>
public sealed class PagingGenTests(ITestOutputHelper output)
{
    [Fact]
    public void At_least_5_percent_of_generated_steps_are_invalid()
    {
        var steps = 0L;
        var invalid = 0L;
        PropertyRunner.CheckFrom(output, Prop.ForAll(PagingGen.Scenarios(PagingFormat.FourLevel), scenario =>
        {
            steps += scenario.Steps.Length;
            invalid += scenario.Steps.Count(s => s.IsInvalid);
            return true;
        }), 200, 20261124);
        output.WriteLine($"{invalid} invalid steps of {steps}");
        Assert.True(invalid * 20 >= steps, $"{invalid} invalid steps of {steps}");
    }
}
