using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy;

/// <summary>The lowest-address index agrees with a sorted set on every insert, remove and search.</summary>
public sealed class FreeBlockIndexProperties(ITestOutputHelper output)
{
    [Fact]
    public void Index_answers_next_member_like_a_sorted_set() =>
        PropertyRunner.Check(output, Prop.ForAll(
            Arb.From(
                from capacity in Gen.Elements(1, 63, 64, 65, 4096, 4097, 300_000)
                from ops in Gen.ListOf(
                    from add in Gen.Elements(true, true, false)
                    from at in Gen.Choose(0, capacity - 1)
                    select (Add: add, At: (long)at))
                select new IndexRun(capacity, [.. ops]),
                run => Shrink.DropSteps(run.Ops).Select(ops => run with { Ops = ops })),
            run =>
            {
                var index = new FreeBlockIndex(run.Capacity);
                var set = new SortedSet<long>();
                foreach (var (add, at) in run.Ops)
                {
                    if (add && set.Add(at))
                    {
                        index.Add(at);
                    }
                    else if (!add && set.Remove(at))
                    {
                        index.Remove(at);
                    }

                    var expected = set.GetViewBetween(at, long.MaxValue).Select(v => (long?)v).FirstOrDefault() ?? -1;
                    var fromStart = set.Count == 0 ? -1 : set.Min;
                    if (index.NextAtOrAfter(at) != expected || index.NextAtOrAfter(0) != fromStart
                        || index.NextAtOrAfter(run.Capacity) != -1)
                    {
                        return false.Label($"after {(add ? "add" : "remove")} {at}: next({at}) "
                            + $"= {index.NextAtOrAfter(at)}, expected {expected}");
                    }
                }

                return true.ToProperty();
            }), 200);

    /// <summary>A generated run, printed as the calls it makes.</summary>
    public sealed record IndexRun(int Capacity, ImmutableArray<(bool Add, long At)> Ops)
    {
        public override string ToString() =>
            $"index({Capacity}): {string.Join(' ', Ops.Select(op => $"{(op.Add ? "add" : "remove")}({op.At})"))}";
    }

    [Fact]
    public void Index_size_is_one_bit_per_block_plus_the_summary_levels()
    {
        Assert.Equal(8, new FreeBlockIndex(1).Bytes);
        Assert.Equal((2 * 8) + 8, new FreeBlockIndex(65).Bytes);
        Assert.Equal((64 * 8) + 8, new FreeBlockIndex(4096).Bytes);
        Assert.Equal((65 * 8) + (2 * 8) + 8, new FreeBlockIndex(4097).Bytes);
    }
}
