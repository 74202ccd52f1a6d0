using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The slab layer and the paging layer on one buddy allocator: whatever they do, every allocated frame has
/// exactly one owner (a slab, a large kmalloc, a PGD or table, a user page, a page-cache page, a vmalloc page)
/// and every free frame none.
/// </summary>
public sealed class SharedBuddyTests(ITestOutputHelper output)
{
    [Fact]
    public void Slab_and_paging_never_own_the_same_frame_and_leak_none() =>
        PropertyRunner.Check(output, Prop.ForAll(
            Arb.From(from format in Gen.Elements(PagingFormat.All.ToArray())
                     from frames in Gen.Choose(16, 160)
                     from ops in Gen.ListOf(Gen.Zip(Gen.Choose(0, 6), Gen.Choose(0, 1 << 16)))
                     select (format, frames, ops: ops.ToImmutableArray()),
                c => Shrink.DropSteps(c.ops).Select(ops => c with { ops = ops })),
            c =>
            {
                var buddy = new BuddyAllocator(MemoryLayout.Flat((ulong)c.frames));
                var paging = new PagingSystem(c.format, buddy);
                var slab = new SlabAllocator(buddy);
                var mm = paging.CreateAddressSpace().Value;
                var objects = new List<VirtAddr>();
                var areas = new List<VirtAddr>();
                foreach (var (kind, arg) in c.ops)
                {
                    Run(kind, arg);
                    if (Problem() is { } problem)
                    {
                        return false.Label($"after ({kind}, {arg}): {problem}");
                    }
                }

                return true.Label("ok");

                void Run(int kind, int arg)
                {
                    var heap = UserLayout.StartBrk(paging.Format);
                    switch (kind)
                    {
                        case 0 when slab.Kmalloc((ulong)arg % 20_000) is { IsOk: true } obj:
                            objects.Add(obj.Value);
                            break;
                        case 1 when objects.Count > 0:
                            Assert.True(slab.Kfree(objects[arg % objects.Count]).IsOk);
                            objects.RemoveAt(arg % objects.Count);
                            break;
                        case 2:
                            paging.Brk(mm, new VirtAddr(heap + ((ulong)(arg % 64) * Pfn.PageSize)));
                            paging.Access(mm, new VirtAddr(heap + ((ulong)(arg % 64) * Pfn.PageSize / 2)), Access.Write,
                                Privilege.User, 1);
                            break;
                        case 3:
                            paging.Access(mm,
                                new VirtAddr(UserLayout.TextStart(paging.Format) + ((ulong)(arg % 8) * Pfn.PageSize)),
                                Access.Read, Privilege.User, 0);
                            break;
                        case 4 when paging.Vmalloc((ulong)(arg % 4) + 1) is { IsOk: true } area:
                            areas.Add(area.Value);
                            break;
                        case 5 when areas.Count > 0:
                            Assert.True(paging.Vfree(areas[arg % areas.Count]).IsOk);
                            areas.RemoveAt(arg % areas.Count);
                            break;
                        case 6:
                            Assert.True(paging.DestroyAddressSpace(mm).IsOk);
                            mm = paging.CreateAddressSpace() is { IsOk: true } created ? created.Value : mm;
                            break;
                    }
                }

                string? Problem()
                {
                    var owners = PagingInvariants.Owners(paging.Snapshot())
                        .Concat(SlabInvariants.Held(slab.Snapshot())
                            .SelectMany(h => Enumerable.Range(0, (int)h.Block.Order.Pages)
                            .Select(i => (new Pfn(h.Block.Pfn.Value + (ulong)i), h.Owner))))
                        .ToList();
                    var twice = owners.GroupBy(o => o.Item1).FirstOrDefault(g => g.Count() > 1);
                    var allocated = buddy.Snapshot().Allocated.SelectMany(b => Enumerable.Range(0, (int)b.Order.Pages)
                        .Select(i => new Pfn(b.Pfn.Value + (ulong)i))).ToHashSet();
                    return twice is not null
                        ? $"frame {twice.Key} owned by {string.Join(" and ", twice.Select(o => o.Item2))}"
                        : allocated.SetEquals(owners.Select(o => o.Item1)) ? null
                        : $"allocated [{string.Join(' ', allocated.Order())}], owned "
                            + $"[{string.Join(' ', owners.Select(o => o.Item1).Order())}]";
                }
            }), 100);
}
