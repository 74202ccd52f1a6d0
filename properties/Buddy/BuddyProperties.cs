using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// The buddy allocator's properties, every level, for the implementation with the head-of-list placement (Linux's
/// own choice): exactly the conformance kit's BuddyExactSpecification, as an outside user runs it.
/// </summary>
public sealed class BuddyHeadOfListProperties(ITestOutputHelper output) : BuddyExactSpecification(output)
{
    protected override IBuddyAllocator Create(MemoryLayout layout) => new BuddyAllocator(layout, Placement.HeadOfList);
}

/// <summary>
/// The buddy allocator's properties, every level, for the implementation with the lowest-address placement, and
/// that placement's promise: it makes the model's default choice at every allocation.
/// </summary>
public sealed class BuddyLowestAddressProperties(ITestOutputHelper output) : BuddyExactSpecification(output)
{
    protected override IBuddyAllocator Create(MemoryLayout layout) =>
        new BuddyAllocator(layout, Placement.LowestAddress);

    [Fact]
    public void Lowest_address_impl_makes_the_models_default_choice_every_time() =>
        Check(Prop.ForAll(BuddyGen.Scenarios(), scenario =>
        {
            var impl = new BuddyAllocator(scenario.Layout, Placement.LowestAddress);
            var model = new BuddyModel(scenario.Layout);
            foreach (var step in scenario.Steps.OfType<Alloc>())
            {
                var chosen = impl.AllocPages(new Order(step.Order), step.Zone);
                var expected = model.AllocPages(new Order(step.Order), step.Zone);
                if (chosen != expected)
                {
                    return false.Label($"{step}: implementation chose {chosen}, model's lowest-address "
                        + $"default {expected}");
                }
            }

            return true.ToProperty();
        }), Cases);
}
