import { accessMatrixSuite } from "./access-matrix.ts";

// Every route × every actor, distributed (the rules and the suite: access-matrix.ts).
accessMatrixSuite("distributed");
