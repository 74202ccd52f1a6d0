using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Cli.Serve;

/// <summary>
/// `mmspec serve slab`: MMSpec's own slab allocator, on its own buddy allocator, behind the protocol
/// (docs/protocol.md, "Slab requests").
/// </summary>
public static class SlabServer
{
    /// <summary>The "op" names of <see cref="SlabOp"/>'s records.</summary>
    private static readonly HashSet<string> SlabOps =
    [
        "kmem_cache_create", "kmem_cache_alloc", "kmem_cache_free", "kmem_cache_shrink", "kmem_cache_destroy",
        "kmalloc", "kfree", "ksize", "read_word", "write_word",
    ];

    /// <summary>Answers each request line until the input ends.</summary>
    public static void Serve(TextReader input, TextWriter output)
    {
        ISlabAllocator? slab = null;
        ServeCommand.Loop(input, output, line => Answer(line, ref slab));
    }

    private static string Answer(string line, ref ISlabAllocator? slab)
    {
        var request = JsonNode.Parse(line);
        var op = request?["op"]?.GetValue<string>();
        switch (op)
        {
            case "hello":
                return MmJson.Serialize(Result<HelloAnswer>.Ok(
                    new HelloAnswer(ProtocolSession.Version, "slab", [ProcessBuddy.SnapshotRange])));
            case "reset":
                slab = new SlabAllocator(new BuddyAllocator(MmJson.Deserialize<ResetRequest>(line).Layout));
                return MmJson.Serialize(Result<Unit>.Ok(Unit.Value));
            case "snapshot" when slab is not null && (request?["frames"] is not null):
                var part = MmJson.Deserialize<SlabSnapshotRequest>(line);
                return MmJson.Serialize(Result<SlabSnapshot>.Ok(slab.SnapshotOf([.. part.Caches], part.Frames)));
            case "snapshot" when slab is not null:
                return MmJson.Serialize(Result<SlabSnapshot>.Ok(slab.Snapshot()));
            case "alloc_pages" or "free_pages" when slab is not null:
                return ServeCommand.Call(slab.Pages, MmJson.Deserialize<BuddyOp>(line));
            case not null when slab is not null && SlabOps.Contains(op):
                return Call(slab, MmJson.Deserialize<SlabOp>(line));
            default:
                return JsonSerializer.Serialize(new { error = "UnknownOp", op });
        }
    }

    /// <summary>A slab call's answer.</summary>
    internal static string Call(ISlabAllocator slab, SlabOp op) => op switch
    {
        KmemCacheCreate c => MmJson.Serialize(slab.KmemCacheCreate(c.Name, c.Size, c.Align, c.Ctor)),
        KmemCacheAlloc a => MmJson.Serialize(slab.KmemCacheAlloc(a.Cache)),
        KmemCacheFree f => MmJson.Serialize(slab.KmemCacheFree(f.Cache, f.Obj)),
        KmemCacheShrink s => MmJson.Serialize(slab.KmemCacheShrink(s.Cache)),
        KmemCacheDestroy d => MmJson.Serialize(slab.KmemCacheDestroy(d.Cache)),
        Kmalloc k => MmJson.Serialize(slab.Kmalloc(k.Size)),
        Kfree k => MmJson.Serialize(slab.Kfree(k.Addr)),
        Ksize k => MmJson.Serialize(slab.Ksize(k.Addr)),
        ReadWord r => MmJson.Serialize(slab.ReadWord(r.Obj)),
        WriteWord w => MmJson.Serialize(slab.WriteWord(w.Obj, w.Value)),
        _ => throw new InvalidDataException($"not a slab call: {op}"),
    };
}
