// Loads a GGUF file with ggml's own reader (tensor data included) and prints what it found, with each tensor
// dequantized by ggml's type traits: a file ggml rejects makes this exit non-zero.
#include "ggml.h"
#include "ggml-cpu.h"
#include "gguf.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

int main(int argc, char ** argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE.gguf\n", argv[0]); return 2; }
    struct ggml_context * data = NULL;
    struct gguf_init_params params = { .no_alloc = false, .ctx = &data };
    struct gguf_context * ctx = gguf_init_from_file(argv[1], params);
    if (!ctx) { fprintf(stderr, "ggml could not read %s\n", argv[1]); return 1; }
    printf("version %u, %lld metadata keys, %lld tensors, alignment %zu\n", gguf_get_version(ctx),
           (long long) gguf_get_n_kv(ctx), (long long) gguf_get_n_tensors(ctx), gguf_get_alignment(ctx));
    for (int64_t i = 0; i < gguf_get_n_kv(ctx); i++) {
        enum gguf_type t = gguf_get_kv_type(ctx, i);
        printf("  kv %s (%s)", gguf_get_key(ctx, i), gguf_type_name(t));
        if (t == GGUF_TYPE_STRING) printf(" = %.60s", gguf_get_val_str(ctx, i));
        if (t == GGUF_TYPE_UINT32) printf(" = %u", gguf_get_val_u32(ctx, i));
        if (t == GGUF_TYPE_FLOAT32) printf(" = %g", gguf_get_val_f32(ctx, i));
        if (t == GGUF_TYPE_ARRAY) printf(" [%zu]", gguf_get_arr_n(ctx, i));
        printf("\n");
    }
    for (int64_t i = 0; i < gguf_get_n_tensors(ctx); i++) {
        const char * name = gguf_get_tensor_name(ctx, i);
        struct ggml_tensor * t = ggml_get_tensor(data, name);
        int64_t n = ggml_nelements(t);
        float * f = malloc(n * sizeof(float));
        const struct ggml_type_traits * tr = ggml_get_type_traits(t->type);
        if (t->type == GGML_TYPE_F32) { for (int64_t j = 0; j < n; j++) f[j] = ((float *) t->data)[j]; }
        else tr->to_float(t->data, f, n);
        double sum = 0, sq = 0;
        for (int64_t j = 0; j < n; j++) { sum += f[j]; sq += (double) f[j] * f[j]; }
        printf("  tensor %-28s %-5s [%lld, %lld, %lld, %lld] sum %.6g rms %.6g\n", name, ggml_type_name(t->type),
               (long long) t->ne[0], (long long) t->ne[1], (long long) t->ne[2], (long long) t->ne[3], sum,
               sqrt(sq / n));
        free(f);
    }
    gguf_free(ctx);
    ggml_free(data);
    return 0;
}
