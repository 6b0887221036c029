// Quantizes the first rows of the shared Q-vectors' source with ggml's reference quantizers (ggml_quantize_chunk
// without an importance matrix, as llama-quantize does) for the types the shared file lacks, and writes a GGUF with
// the source, the bytes and ggml's dequantization of them.
#include "ggml.h"
#include "ggml-cpu.h"
#include "gguf.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char ** argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SHARED_VECTORS.gguf OUT.gguf\n", argv[0]); return 2; }
    const int rows = 4, cols = 256;
    struct ggml_context * in = NULL;
    struct gguf_init_params ip = { .no_alloc = false, .ctx = &in };
    struct gguf_context * src = gguf_init_from_file(argv[1], ip);
    if (!src) return 1;
    const float * x = (const float *) ggml_get_tensor(in, "source.f32")->data;
    struct ggml_init_params cp = { .mem_size = 16 << 20, .mem_buffer = NULL, .no_alloc = false };
    struct ggml_context * ctx = ggml_init(cp);
    struct gguf_context * out = gguf_init_empty();
    gguf_set_val_str(out, "general.description", "ggml reference quantizers (ggml_quantize_chunk, no imatrix) "
                     "of the first 4 rows x 256 of the stories260K token embedding");
    struct ggml_tensor * s = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, cols, rows);
    memcpy(s->data, x, sizeof(float) * rows * cols);
    ggml_set_name(s, "source.f32");
    gguf_add_tensor(out, s);
    enum ggml_type types[] = { GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q5_K,
                               GGML_TYPE_Q4_0, GGML_TYPE_Q8_0, GGML_TYPE_Q4_K, GGML_TYPE_Q6_K };
    const char * names[] = { "q4_1", "q5_0", "q5_1", "q5_k", "q4_0", "q8_0", "q4_k", "q6_k" };
    for (int t = 0; t < 8; t++) {
        struct ggml_tensor * q = ggml_new_tensor_2d(ctx, types[t], cols, rows);
        ggml_quantize_init(types[t]);
        ggml_quantize_chunk(types[t], x, q->data, 0, rows, cols, NULL);
        ggml_set_name(q, names[t]);
        gguf_add_tensor(out, q);
        struct ggml_tensor * d = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, cols, rows);
        ggml_get_type_traits(types[t])->to_float(q->data, (float *) d->data, rows * cols);
        char name[64];
        snprintf(name, sizeof name, "%s.dequant", names[t]);
        ggml_set_name(d, name);
        gguf_add_tensor(out, d);
    }
    return gguf_write_to_file(out, argv[2], false) ? 0 : 1;
}
