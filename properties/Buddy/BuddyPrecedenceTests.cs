using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// The free_pages precedence: the model lists every error that applies to a bad free in the declared order, its
/// result is the first; an allocator that checks in another order passes the safe level and fails the exact one.
/// </summary>
public sealed class BuddyPrecedenceTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_applicable_error_is_listed_in_the_declared_order_and_the_result_is_the_first() =>
        PropertyRunner.CheckFrom(output, Prop.ForAll(Arb.From(Frees()), c =>
        {
            var (model, frees) = c;
            foreach (var (pfn, order) in frees)
            {
                var errors = model.FreeErrors(pfn, order);
                var result = model.FreePages(pfn, order);
                var first = errors.Count == 0 ? Result<Unit>.Ok(Unit.Value) : Result<Unit>.Fail(errors[0]);
                if (result != first || !BuddyModel.FreePrecedence.Orders(errors))
                {
                    return false.Label($"free_pages(pfn={pfn}, order={order}) = {result}; applicable: "
                        + string.Join(", ", errors));
                }
            }

            return true.ToProperty();
        }), 200, BrokenVariant.Seed);

    [Fact]
    public void A_free_that_is_misaligned_and_not_allocated_has_both_errors_linux_reports_misaligned()
    {
        var model = new BuddyModel(MemoryLayout.Flat(64));
        Assert.Equal(new Pfn(0), model.AllocPages(new Order(2), ZoneType.Normal).Value);
        Assert.Equal([new MisalignedPfn(new Pfn(3), new Order(1)), new NotAllocated(new Pfn(3), new Order(1))],
            model.FreeErrors(new Pfn(3), new Order(1)));
        Assert.Equal([new InvalidOrder(11)], model.FreeErrors(new Pfn(3), new Order(11)));
    }

    [Fact]
    public void Checking_alignment_before_range_passes_the_safe_level() =>
        PropertyRunner.CheckFrom(output,
            BuddySafeSpecification.Lockstepped(layout => new AlignmentFirst(layout), Level.Safe), 100,
            BrokenVariant.Seed);

    [Fact]
    public void Checking_alignment_before_range_fails_the_exact_level_on_linux_precedence() =>
        BrokenVariant.AssertCaught(output,
            BuddySafeSpecification.Lockstepped(layout => new AlignmentFirst(layout), Level.Exact),
            BuddyRules.ModelPermits, casesAtSeed: 5);

    [Fact]
    public void An_error_that_does_not_apply_fails_the_safe_level_too() =>
        BrokenVariant.AssertCaught(output,
            BuddySafeSpecification.Lockstepped(layout => new AlwaysDoubleFree(layout), Level.Safe),
            BuddyRules.ModelPermits, casesAtSeed: 5);

    [Fact]
    public void The_precedence_tables_render_one_row_per_check_in_order()
    {
        var table = BuddyModel.FreePrecedence.ToMarkdown().Split('\n');
        Assert.Equal("| # | error | applies when |", table[0]);
        Assert.Equal("| 1 | `InvalidOrder` | the order is outside 0..10 (no later check applies then) |", table[2]);
        Assert.StartsWith("| 7 | `NotAllocated` |", table[8], StringComparison.Ordinal);
        Assert.False(BuddyModel.FreePrecedence.Orders(
            [new NotAllocated(new Pfn(3), new Order(1)), new MisalignedPfn(new Pfn(3), new Order(1))]));
        Assert.False(BuddyModel.FreePrecedence.Orders(
            [new InvalidOrder(11), new MisalignedPfn(new Pfn(3), new Order(1))]));
        Assert.False(BuddyModel.FreePrecedence.Orders([new OutOfMemory(new Order(0), ZoneType.Normal)]));
    }

    /// <summary>A model after some allocations, and frees of any pfn and order near the machine's frames.</summary>
    private static Gen<(BuddyModel Model, (Pfn, Order)[] Frees)> Frees() =>
        from layout in BuddyGen.Layout()
        from count in Gen.Choose(0, 20)
        from allocs in Gen.ListOf(Gen.Choose(0, Order.Max), count)
        from frees in Gen.ListOf(
            from pfn in Gen.Choose(0, (int)layout.FrameCount + 16)
            from order in Gen.Choose(-1, Order.Max + 1)
            select (new Pfn((ulong)pfn), new Order(order)), 30)
        select (Allocated(layout, allocs), frees.ToArray());

    private static BuddyModel Allocated(MemoryLayout layout, IEnumerable<int> orders)
    {
        var model = new BuddyModel(layout);
        foreach (var order in orders)
        {
            model.AllocPages(new Order(order), ZoneType.Normal);
        }

        return model;
    }

    /// <summary>The implementation, but every refused free says "double free", whatever was wrong.</summary>
    private sealed class AlwaysDoubleFree(MemoryLayout layout) : IBuddyAllocator
    {
        private readonly BuddyAllocator _inner = new(layout);

        public MemoryLayout Layout => _inner.Layout;

        public Result<Pfn> AllocPages(Order order, ZoneType highestZone) => _inner.AllocPages(order, highestZone);

        public Result<Unit> FreePages(Pfn pfn, Order order) =>
            _inner.FreePages(pfn, order) is { IsOk: false } ? new DoubleFree(pfn, order) : Unit.Value;

        public BuddySnapshot Snapshot() => _inner.Snapshot();
    }

    /// <summary>The implementation, but a free checks alignment before the range: another legal order.</summary>
    private sealed class AlignmentFirst(MemoryLayout layout) : IBuddyAllocator
    {
        private readonly BuddyAllocator _inner = new(layout);

        public MemoryLayout Layout => _inner.Layout;

        public Result<Pfn> AllocPages(Order order, ZoneType highestZone) => _inner.AllocPages(order, highestZone);

        public Result<Unit> FreePages(Pfn pfn, Order order) =>
            order.IsValid && pfn.Value % order.Pages != 0
                ? Result<Unit>.Fail(new MisalignedPfn(pfn, order))
                : _inner.FreePages(pfn, order);

        public BuddySnapshot Snapshot() => _inner.Snapshot();
    }
}
