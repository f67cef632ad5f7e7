// Native SEAL reference for the homomorphic bench (issue 13): runs CKKS operations at the
// parameters the node-seal pipeline uses, natively (SEAL built from source, no HEXL), and prints
// per-operation medians and the CPU time of a whole operation mix as JSON on stdout.
//
//   native-seal-bench --poly 8192 --coeff 60,50,50,58 --scale-bits 50 \
//     [--mix multiply/3/2=900,add/3/3=875,...] [--runs 3] [--rounds 15]
//
// An operation key is kind/primes/size: the operation, the data primes its input ciphertext has
// (its level: the top level has all primes but the special one) and that ciphertext's size (2, or
// 3 for an unrelinearized product). Kinds: add, multiply, multiplyPlain, relinearize, rescale,
// modSwitch, rotate. The pipeline counts its operations under the same keys (he-worker.ts).
// Adds run in place, as the pipeline's do; the others write a separate result (relinearize,
// rescale and modSwitch run in place in the pipeline: the same work, one copy of the input less).
// Times are CPU time of this (single-threaded) process, like the bench's node-seal figures.
#include <seal/seal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace seal;

namespace {

double cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double wall_micros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? NAN : values[values.size() / 2];
}

std::vector<std::string> split(const std::string &text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

struct OpKey {
  std::string kind;
  std::size_t primes;
  std::size_t size;
  std::string name() const { return kind + "/" + std::to_string(primes) + "/" + std::to_string(size); }
};

OpKey parse_key(const std::string &text) {
  auto parts = split(text, '/');
  if (parts.size() != 3) throw std::invalid_argument("operation key must be kind/primes/size: " + text);
  return {parts[0], std::stoul(parts[1]), std::stoul(parts[2])};
}

// Everything the operations need at one parameter set: keys and, per level, inputs.
class Bench {
public:
  Bench(std::size_t poly, const std::vector<int> &bits, int scale_bits)
      : parms_(scheme_type::ckks), scale_(std::pow(2.0, scale_bits)) {
    parms_.set_poly_modulus_degree(poly);
    parms_.set_coeff_modulus(CoeffModulus::Create(poly, bits));
    context_ = std::make_unique<SEALContext>(parms_, true, sec_level_type::tc128);
    if (!context_->parameters_set()) throw std::invalid_argument("SEAL refused these parameters at 128-bit security");
    keygen_ = std::make_unique<KeyGenerator>(*context_);
    keygen_->create_public_key(public_key_);
    keygen_->create_relin_keys(relin_keys_);
    keygen_->create_galois_keys(std::vector<int>{1}, galois_keys_);
    encoder_ = std::make_unique<CKKSEncoder>(*context_);
    encryptor_ = std::make_unique<Encryptor>(*context_, public_key_);
    decryptor_ = std::make_unique<Decryptor>(*context_, keygen_->secret_key());
    evaluator_ = std::make_unique<Evaluator>(*context_);
    values_.resize(encoder_->slot_count());
    for (std::size_t i = 0; i < values_.size(); i++) values_[i] = std::sin(static_cast<double>(i));
  }

  std::size_t top_primes() const { return context_->first_context_data()->parms().coeff_modulus().size(); }

  // A fresh ciphertext (scale 2^scale_bits) switched down to `primes` data primes.
  Ciphertext fresh(std::size_t primes) {
    Plaintext plain;
    encoder_->encode(values_, scale_, plain);
    Ciphertext ct;
    encryptor_->encrypt(plain, ct);
    while (ct.coeff_modulus_size() > primes) evaluator_->mod_switch_to_next_inplace(ct);
    if (ct.coeff_modulus_size() != primes) throw std::invalid_argument("no level with that many primes");
    return ct;
  }

  // The timed operation for `key`, with its inputs prepared once.
  std::function<void()> operation(const OpKey &key) {
    auto a = std::make_shared<Ciphertext>(fresh(key.primes));
    auto b = std::make_shared<Ciphertext>(fresh(key.primes));
    auto out = std::make_shared<Ciphertext>();
    if (key.size == 3) {
      evaluator_->multiply_inplace(*a, *b);
      evaluator_->multiply(fresh(key.primes), fresh(key.primes), *b);
    } else if (key.size != 2)
      throw std::invalid_argument("size must be 2 or 3: " + key.name());
    auto *ev = evaluator_.get();
    // In place, as the pipeline adds (its sums accumulate: add(x, y, x)).
    if (key.kind == "add") return [ev, a, b] { ev->add_inplace(*a, *b); };
    if (key.size != 2 && key.kind != "relinearize" && key.kind != "rescale")
      throw std::invalid_argument("size 3 only for add, relinearize, rescale: " + key.name());
    if (key.kind == "multiply") return [ev, a, b, out] { ev->multiply(*a, *b, *out); };
    if (key.kind == "multiplyPlain") {
      // A plaintext at the ciphertext's level, NTT form (the cost does not depend on its values or scale).
      auto plain = std::make_shared<Plaintext>();
      encoder_->encode(values_, a->parms_id(), std::pow(2.0, 20), *plain);
      return [ev, a, plain, out] { ev->multiply_plain(*a, *plain, *out); };
    }
    if (key.kind == "relinearize") {
      if (key.size != 3) throw std::invalid_argument("relinearize takes a size-3 ciphertext: " + key.name());
      auto *rk = &relin_keys_;
      return [ev, a, rk, out] { ev->relinearize(*a, *rk, *out); };
    }
    if (key.kind == "rescale") {
      // A product's scale (2^(2·scale_bits)), as the pipeline rescales.
      if (key.size == 2) {
        evaluator_->multiply_inplace(*a, *b);
        evaluator_->relinearize_inplace(*a, relin_keys_);
      }
      return [ev, a, out] { ev->rescale_to_next(*a, *out); };
    }
    if (key.kind == "modSwitch") return [ev, a, out] { ev->mod_switch_to_next(*a, *out); };
    if (key.kind == "rotate") {
      auto *gk = &galois_keys_;
      return [ev, a, gk, out] { ev->rotate_vector(*a, 1, *gk, *out); };
    }
    throw std::invalid_argument("unknown operation kind: " + key.kind);
  }

  std::function<void()> encode_encrypt() {
    auto out = std::make_shared<Ciphertext>();
    return [this, out] {
      Plaintext plain;
      encoder_->encode(values_, scale_, plain);
      encryptor_->encrypt(plain, *out);
    };
  }

  std::function<void()> decrypt_decode() {
    auto ct = std::make_shared<Ciphertext>(fresh(top_primes()));
    return [this, ct] {
      Plaintext plain;
      decryptor_->decrypt(*ct, plain);
      std::vector<double> decoded;
      encoder_->decode(plain, decoded);
    };
  }

private:
  EncryptionParameters parms_;
  double scale_;
  std::unique_ptr<SEALContext> context_;
  std::unique_ptr<KeyGenerator> keygen_;
  PublicKey public_key_;
  RelinKeys relin_keys_;
  GaloisKeys galois_keys_;
  std::unique_ptr<CKKSEncoder> encoder_;
  std::unique_ptr<Encryptor> encryptor_;
  std::unique_ptr<Decryptor> decryptor_;
  std::unique_ptr<Evaluator> evaluator_;
  std::vector<double> values_;
};

// Median CPU µs of one operation over `rounds` batches (batches: the clock ticks coarsely under load).
double per_op_micros(const std::function<void()> &op, int rounds, int batch) {
  op();
  std::vector<double> samples;
  for (int r = 0; r < rounds; r++) {
    double begin = cpu_micros();
    for (int i = 0; i < batch; i++) op();
    samples.push_back((cpu_micros() - begin) / batch);
  }
  return median(samples);
}

void usage() {
  std::fprintf(stderr,
               "usage: native-seal-bench --poly N --coeff b1,b2,... --scale-bits S [--mix kind/primes/size=count,...] "
               "[--runs R] [--rounds K]\n");
}

}  // namespace

int main(int argc, char **argv) {
  std::size_t poly = 0;
  std::vector<int> bits;
  int scale_bits = 0;
  std::vector<std::pair<OpKey, long>> mix;
  int runs = 3;
  int rounds = 15;
  try {
    for (int i = 1; i < argc; i++) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument("missing value for " + arg);
        return argv[++i];
      };
      if (arg == "--poly") poly = std::stoul(value());
      else if (arg == "--coeff")
        for (const auto &part : split(value(), ',')) bits.push_back(std::stoi(part));
      else if (arg == "--scale-bits") scale_bits = std::stoi(value());
      else if (arg == "--mix")
        for (const auto &part : split(value(), ',')) {
          auto at = part.find('=');
          if (at == std::string::npos) throw std::invalid_argument("mix entry must be key=count: " + part);
          long count = std::stol(part.substr(at + 1));
          if (count < 0) throw std::invalid_argument("negative count: " + part);
          mix.emplace_back(parse_key(part.substr(0, at)), count);
        }
      else if (arg == "--runs") runs = std::max(1, std::stoi(value()));
      else if (arg == "--rounds") rounds = std::max(1, std::stoi(value()));
      else if (arg == "--help" || arg == "-h") {
        usage();
        return 0;
      } else
        throw std::invalid_argument("unknown argument " + arg);
    }
    if (poly == 0 || bits.size() < 2 || scale_bits <= 0) {
      usage();
      return 2;
    }
    Bench bench(poly, bits, scale_bits);
    std::size_t top = bench.top_primes();
    // The note's operations (top level), one level down for the rotation, and every mix key.
    std::vector<OpKey> keys = {{"add", top, 2},         {"multiply", top, 2}, {"relinearize", top, 3},
                               {"rescale", top, 2},     {"rotate", top, 2},   {"rotate", top - 1, 2},
                               {"multiplyPlain", top, 2}, {"modSwitch", top, 2}};
    for (const auto &[key, count] : mix)
      if (std::none_of(keys.begin(), keys.end(), [&](const OpKey &k) { return k.name() == key.name(); })) keys.push_back(key);
    std::map<std::string, std::function<void()>> ops;
    for (const auto &key : keys) ops[key.name()] = bench.operation(key);

    std::printf("{\n  \"seal\": \"%d.%d.%d\",\n  \"polyModulusDegree\": %zu,\n  \"coeffModulusBits\": [", SEAL_VERSION_MAJOR,
                SEAL_VERSION_MINOR, SEAL_VERSION_PATCH, poly);
    for (std::size_t i = 0; i < bits.size(); i++) std::printf("%s%d", i ? ", " : "", bits[i]);
    std::printf("],\n  \"scaleBits\": %d,\n  \"perOpMicros\": {\n", scale_bits);
    auto batch_for = [](const std::string &kind) { return kind == "add" || kind == "modSwitch" ? 100 : 5; };
    std::printf("    \"encodeEncrypt\": %.1f,\n", per_op_micros(bench.encode_encrypt(), rounds, 5));
    std::printf("    \"decryptDecode\": %.1f", per_op_micros(bench.decrypt_decode(), rounds, 5));
    for (const auto &key : keys)
      std::printf(",\n    \"%s\": %.1f", key.name().c_str(), per_op_micros(ops[key.name()], rounds, batch_for(key.kind)));
    std::printf("\n  }");
    if (!mix.empty()) {
      // The whole mix, `runs` times: each operation its counted number of times, CPU and wall time.
      long total = 0;
      for (const auto &[key, count] : mix) total += count;
      std::printf(",\n  \"mix\": { \"operations\": %ld, \"runs\": [", total);
      for (int r = 0; r < runs; r++) {
        double cpu = cpu_micros();
        double wall = wall_micros();
        for (const auto &[key, count] : mix) {
          const auto &op = ops[key.name()];
          for (long i = 0; i < count; i++) op();
        }
        std::printf("%s{ \"cpuMs\": %.1f, \"wallMs\": %.1f }", r ? ", " : "", (cpu_micros() - cpu) / 1e3, (wall_micros() - wall) / 1e3);
        std::fflush(stdout);
      }
      std::printf("] }");
    }
    std::printf("\n}\n");
  } catch (const std::exception &error) {
    std::fprintf(stderr, "native-seal-bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
