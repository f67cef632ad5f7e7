// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ERC721Holder} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Holder.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOceanDatatoken, IOceanFactory, IOceanFixedRateExchange} from "./OceanInterfaces.sol";
import {PoolShareToken} from "./PoolShareToken.sol";

/// @title DataPool
/// @notice A DAO data pool. The pool sells access to its members' datasets through its own Ocean
/// datatoken (the pool owns the data NFT; its PoolRevenue contract is the payment collector),
/// keeps the list of member datasets (each added with its owner's consent, with its CID and a key
/// escrow made to the pool's key holders), mints share tokens for accepted contributions within
/// caps, and holds the compute policy (approved trainers and algorithms, limits, buyer allow-list,
/// key holders) that its governance sets. The node and the key holders read all of it from here.
/// @dev Governance calls come from the pool's TimelockController (driven by a PoolGovernor), or,
/// until `completeSetup`, from the account that deployed the pool. Nothing loops over members.
contract DataPool is ERC721Holder, EIP712, Nonces {

    /// @notice How contributions turn into shares. A contribution of `rows` rows is worth
    /// `baseShares + rows * sharesPerRow` shares, at most `maxSharesPerContribution`; governance
    /// may accept a pending one with an explicit weight up to that cap. The share supply never
    /// exceeds `maxTotalShares`. With `openAdmission`, a consented contribution is accepted at
    /// once; otherwise it waits for governance (`acceptDataset`).
    struct ContributionRules {
        uint128 baseShares;
        uint128 sharesPerRow;
        uint128 maxSharesPerContribution;
        uint128 maxTotalShares;
        bool openAdmission;
    }

    /// @notice The pool's compute limits, the numeric part of a datavault compute policy (the
    /// trainers and algorithms are the approvals). 0 means "none" for `minRows`, `maxHiddenUnits`
    /// and the privacy budget (`epsilonMicros` = ε × 1e6, `deltaPicos` = δ × 1e12).
    struct ComputeLimits {
        uint32 maxEpochs;
        uint32 maxWallTimeSeconds;
        uint32 maxMemoryMb;
        uint64 maxOutputBytes;
        uint64 minRows;
        uint32 maxHiddenUnits;
        uint64 epsilonMicros;
        uint64 deltaPicos;
        bool forfeitOrderOnViolation;
    }

    /// @notice What a data owner contributes: the dataset's datatoken (its id), the CID of its
    /// ciphertext, the digest of the key escrow it made to the pool's key holders, and its rows.
    struct Contribution {
        address datatoken;
        string cid;
        bytes32 keyEscrow;
        uint64 rows;
    }

    /// @notice A dataset's state in the pool. `Withdrawn` also covers datasets of a member who left.
    enum DatasetStatus {
        None,
        Pending,
        Active,
        Removed,
        Withdrawn
    }

    /// @notice One member dataset, as stored.
    struct Dataset {
        address member;
        uint32 memberEpoch;
        DatasetStatus status;
        uint32 keyHoldersEpoch;
        uint64 rows;
        uint128 shares;
        uint64 addedAt;
        bytes32 keyEscrow;
        string cid;
    }

    /// @notice A dataset as readers see it (status resolved against its member's epoch).
    struct DatasetView {
        address datatoken;
        address member;
        DatasetStatus status;
        uint64 rows;
        uint128 shares;
        uint64 addedAt;
        bytes32 keyEscrow;
        uint32 keyHoldersEpoch;
        string cid;
    }

    struct Member {
        uint32 epoch;
        uint32 activeDatasets;
        uint32 pendingDatasets;
    }

    bytes32 private constant CONTRIBUTION_TYPEHASH = keccak256(
        "Contribution(address datatoken,string cid,bytes32 keyEscrow,uint64 rows,address member,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant TIMELOCK_PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    uint256 private constant MAX_KEY_HOLDERS = 16;

    /// @notice The pool's share token, deployed by this contract.
    PoolShareToken public immutable shareToken;
    /// @notice The TimelockController that governance calls come from.
    address public immutable timelock;
    /// @notice Ocean's ERC721Factory: contributed datatokens must be its datatokens.
    IOceanFactory public immutable oceanFactory;
    /// @notice Ocean's FixedRateExchange the pool's datatoken is sold on.
    IOceanFixedRateExchange public immutable fixedRateExchange;

    /// @notice The deployer until `completeSetup`, then the zero address.
    address public setupAdmin;
    /// @notice The PoolGovernor (set by `completeSetup`).
    address public governor;
    /// @notice The PoolRevenue contract: the datatoken's payment collector (set by `completeSetup`).
    address public revenue;
    /// @notice The pool's own Ocean datatoken (set by `completeSetup`).
    address public datatoken;
    /// @notice The pool datatoken's FixedRateExchange id; zero when it is not sold there.
    bytes32 public exchangeId;

    ContributionRules private _rules;
    ComputeLimits private _limits;

    mapping(bytes32 trainer => bool) private _trainers;
    mapping(bytes32 algorithmHash => bool) private _algorithms;

    /// @notice Whether only allow-listed buyers may run jobs (checked by the node and key holders).
    bool public buyerAllowListEnabled;
    mapping(address buyer => bool) private _buyers;

    address[] private _keyHolders;
    /// @notice How many of the key holders must release a data key.
    uint8 public keyHolderThreshold;
    /// @notice Increments whenever the key holders change; escrows made to an older set are stale.
    uint32 public keyHoldersEpoch;

    mapping(address datatoken => Dataset) private _datasets;
    address[] private _datasetList;
    mapping(address member => Member) private _members;
    /// @notice Members with at least one accepted dataset.
    uint256 public memberCount;


    event SetupCompleted(address indexed governor, address indexed revenue, address indexed datatoken, bytes32 exchangeId);
    event DatasetContributed(address indexed datatoken, address indexed member, string cid, bytes32 keyEscrow, uint64 rows, bool viaSignature);
    event DatasetAccepted(address indexed datatoken, address indexed member, uint256 shares);
    event DatasetRemoved(address indexed datatoken, address indexed member, uint256 sharesBurned, bool byGovernance);
    event KeyEscrowUpdated(address indexed datatoken, bytes32 keyEscrow, uint32 keyHoldersEpoch);
    event MemberLeft(address indexed member, uint256 sharesBurned);
    event TrainerApproval(bytes32 indexed trainer, bool approved);
    event AlgorithmApproval(bytes32 indexed algorithmHash, bool approved);
    event BuyerAllowListEnabled(bool enabled);
    event BuyerAllowed(address indexed buyer, bool allowed);
    event KeyHoldersChanged(address[] keyHolders, uint8 threshold, uint32 epoch);
    event ContributionRulesChanged(ContributionRules rules);
    event ComputeLimitsChanged(ComputeLimits limits);
    event PriceChanged(uint256 rate);
    event SaleActiveChanged(bool active);

    error NotGovernance(address caller);
    error NotSetupAdmin(address caller);
    error InvalidSetupAddress();
    error PoolNotNftOwner(address datatoken);
    error PoolNotPaymentCollector(address datatoken);
    error ExchangeMismatch(bytes32 exchangeId, address datatoken);
    error GovernorMismatch(address governor);
    error RevenueMismatch(address revenue);
    error TimelockNotHandedOver(address timelock);
    error NoMembers();
    error NotOceanDatatoken(address datatoken);
    error NotDatasetOwner(address datatoken, address caller);
    error InvalidConsent();
    error ConsentExpired(uint256 deadline);
    error InvalidContribution();
    error ZeroShares();
    error DatasetAlreadyAdded(address datatoken);
    error DatasetRemovedByGovernance(address datatoken);
    error DatasetNotPending(address datatoken);
    error DatasetNotInPool(address datatoken);
    error SharesOverCap(uint256 shares, uint256 cap);
    error NotMember(address account);
    error InvalidKeyHolders();
    error InvalidContributionRules();
    error InvalidComputeLimits();
    error NoExchange();
    error OceanCallFailed(bytes reason);
    error ForbiddenTarget(address target);

    /// @notice Everything a pool starts with. The deployer becomes `setupAdmin`.
    struct PoolConfig {
        string shareName;
        string shareSymbol;
        address timelock;
        address oceanFactory;
        address fixedRateExchange;
        ContributionRules rules;
        ComputeLimits limits;
        address[] keyHolders;
        uint8 keyHolderThreshold;
        bytes32[] trainers;
        bytes32[] algorithms;
        bool buyerAllowListEnabled;
        address[] allowedBuyers;
    }

    constructor(PoolConfig memory config) EIP712("DataVault DataPool", "1") {
        if (config.timelock == address(0) || config.oceanFactory == address(0) || config.fixedRateExchange == address(0)) {
            revert InvalidSetupAddress();
        }
        shareToken = new PoolShareToken(config.shareName, config.shareSymbol);
        timelock = config.timelock;
        oceanFactory = IOceanFactory(config.oceanFactory);
        fixedRateExchange = IOceanFixedRateExchange(config.fixedRateExchange);
        setupAdmin = msg.sender;
        _setRules(config.rules);
        _setLimits(config.limits);
        _setKeyHolders(config.keyHolders, config.keyHolderThreshold);
        for (uint256 i = 0; i < config.trainers.length; i++) _setTrainer(config.trainers[i], true);
        for (uint256 i = 0; i < config.algorithms.length; i++) _setAlgorithm(config.algorithms[i], true);
        buyerAllowListEnabled = config.buyerAllowListEnabled;
        emit BuyerAllowListEnabled(config.buyerAllowListEnabled);
        for (uint256 i = 0; i < config.allowedBuyers.length; i++) _setBuyer(config.allowedBuyers[i], true);
    }

    modifier onlyGovernance() {
        if (msg.sender != timelock && (msg.sender != setupAdmin || setupAdmin == address(0))) revert NotGovernance(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- setup

    /// @notice Ends the setup: checks that the pool owns `datatoken_`'s data NFT, that `revenue_`
    /// (a PoolRevenue of this pool) collects its payments, that `exchangeId_` (if any) sells it,
    /// and that `governor_` governs the share token through this pool's timelock with the deployer
    /// no longer its admin; then drops `setupAdmin`. Needs a share supply unless admission is open
    /// (someone must be able to vote).
    function completeSetup(address governor_, address revenue_, address datatoken_, bytes32 exchangeId_) external {
        address admin = setupAdmin;
        if (msg.sender != admin || admin == address(0)) revert NotSetupAdmin(msg.sender);
        if (!oceanFactory.erc20List(datatoken_)) revert NotOceanDatatoken(datatoken_);
        if (IERC721(IOceanDatatoken(datatoken_).getERC721Address()).ownerOf(1) != address(this)) revert PoolNotNftOwner(datatoken_);
        if (IPoolRevenueView(revenue_).pool() != address(this)) revert RevenueMismatch(revenue_);
        if (IOceanDatatoken(datatoken_).getPaymentCollector() != revenue_) revert PoolNotPaymentCollector(datatoken_);
        if (exchangeId_ != bytes32(0)) {
            (, address sold,,,,,,,,,,) = fixedRateExchange.getExchange(exchangeId_);
            if (sold != datatoken_) revert ExchangeMismatch(exchangeId_, datatoken_);
        }
        if (address(IPoolGovernorView(governor_).token()) != address(shareToken)) revert GovernorMismatch(governor_);
        if (IPoolGovernorView(governor_).timelock() != timelock) revert GovernorMismatch(governor_);
        if (!IAccessControl(timelock).hasRole(TIMELOCK_PROPOSER_ROLE, governor_)) revert GovernorMismatch(governor_);
        if (IAccessControl(timelock).hasRole(bytes32(0), admin)) revert TimelockNotHandedOver(timelock);
        if (!_rules.openAdmission && shareToken.totalSupply() == 0) revert NoMembers();
        governor = governor_;
        revenue = revenue_;
        datatoken = datatoken_;
        exchangeId = exchangeId_;
        setupAdmin = address(0);
        emit SetupCompleted(governor_, revenue_, datatoken_, exchangeId_);
    }

    /// @notice Whether setup is over (governance alone controls the pool).
    function setupComplete() external view returns (bool) {
        return setupAdmin == address(0);
    }

    // ---------------------------------------------------------------- contributions

    /// @notice Adds a dataset; the sender must own its data NFT (that is the consent). Shares go
    /// to the sender, at once with open admission, else when governance accepts.
    function contribute(Contribution calldata contribution) external {
        _requireDatasetOwner(contribution.datatoken, msg.sender);
        _contribute(msg.sender, contribution, false);
    }

    /// @notice Adds a dataset with its owner's EIP-712 consent (`Contribution` with `member` =
    /// the data NFT owner, its next `nonces(member)` and `deadline`), sent by anyone. ERC-1271
    /// signatures of contract owners are accepted.
    function contributeWithConsent(Contribution calldata contribution, address member, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ConsentExpired(deadline);
        _requireDatasetOwner(contribution.datatoken, member);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CONTRIBUTION_TYPEHASH,
                    contribution.datatoken,
                    keccak256(bytes(contribution.cid)),
                    contribution.keyEscrow,
                    contribution.rows,
                    member,
                    _useNonce(member),
                    deadline
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(member, digest, signature)) revert InvalidConsent();
        _contribute(member, contribution, true);
    }

    /// @notice Accepts a pending dataset, minting `shares` (0: by the rules) to its member.
    function acceptDataset(address datatoken_, uint256 shares) external onlyGovernance {
        Dataset storage d = _datasets[datatoken_];
        if (_status(d) != DatasetStatus.Pending) revert DatasetNotPending(datatoken_);
        _members[d.member].pendingDatasets--;
        _accept(datatoken_, d, shares == 0 ? _sharesFor(d.rows) : shares);
    }

    /// @notice Removes a pending or accepted dataset (burning its shares): by governance (final:
    /// it cannot be contributed again), or by its member (a withdrawal; it may come back). New jobs
    /// no longer use it; past receipts and revenue stay.
    function removeDataset(address datatoken_) external {
        Dataset storage dataset = _datasets[datatoken_];
        bool byGovernance = msg.sender != dataset.member;
        if (byGovernance && msg.sender != timelock && (msg.sender != setupAdmin || setupAdmin == address(0))) revert NotGovernance(msg.sender);
        DatasetStatus status = _status(dataset);
        Member storage member = _members[dataset.member];
        uint256 burned;
        if (status == DatasetStatus.Pending) {
            member.pendingDatasets--;
        } else if (status == DatasetStatus.Active) {
            burned = dataset.shares;
            shareToken.burn(dataset.member, burned);
            if (--member.activeDatasets == 0) memberCount--;
        } else {
            revert DatasetNotInPool(datatoken_);
        }
        dataset.status = byGovernance ? DatasetStatus.Removed : DatasetStatus.Withdrawn;
        emit DatasetRemoved(datatoken_, dataset.member, burned, byGovernance);
    }

    /// @notice Leaves the pool: burns all the sender's shares; all its datasets (pending or
    /// accepted) stop being used by new jobs. Revenue already distributed stays claimable.
    function leave() external {
        Member storage member = _members[msg.sender];
        if (member.activeDatasets == 0 && member.pendingDatasets == 0) revert NotMember(msg.sender);
        uint256 burned = shareToken.balanceOf(msg.sender);
        if (burned > 0) shareToken.burn(msg.sender, burned);
        if (member.activeDatasets > 0) memberCount--;
        // Bumping the epoch retires every dataset of the member without a loop.
        member.epoch++;
        member.activeDatasets = 0;
        member.pendingDatasets = 0;
        emit MemberLeft(msg.sender, burned);
    }

    /// @notice The dataset's member re-points its key escrow (e.g. after the key holders changed).
    function updateKeyEscrow(address datatoken_, bytes32 keyEscrow) external {
        Dataset storage dataset = _datasets[datatoken_];
        DatasetStatus status = _status(dataset);
        if (status != DatasetStatus.Pending && status != DatasetStatus.Active) revert DatasetNotInPool(datatoken_);
        if (msg.sender != dataset.member) revert NotDatasetOwner(datatoken_, msg.sender);
        if (keyEscrow == bytes32(0)) revert InvalidContribution();
        dataset.keyEscrow = keyEscrow;
        dataset.keyHoldersEpoch = keyHoldersEpoch;
        emit KeyEscrowUpdated(datatoken_, keyEscrow, keyHoldersEpoch);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Approves or revokes a trainer (`keccak256` of its policy entry, e.g. `logistic-regression`).
    function setTrainerApproval(bytes32 trainer, bool approved) external onlyGovernance {
        _setTrainer(trainer, approved);
    }

    /// @notice Approves or revokes a custom algorithm by its SHA-256.
    function setAlgorithmApproval(bytes32 algorithmHash, bool approved) external onlyGovernance {
        _setAlgorithm(algorithmHash, approved);
    }

    /// @notice Turns the buyer allow-list on or off.
    function setBuyerAllowListEnabled(bool enabled) external onlyGovernance {
        buyerAllowListEnabled = enabled;
        emit BuyerAllowListEnabled(enabled);
    }

    /// @notice Admits or removes a buyer on the allow-list.
    function setBuyerAllowed(address buyer, bool allowed) external onlyGovernance {
        _setBuyer(buyer, allowed);
    }

    /// @notice Replaces the key holders (1 ≤ threshold ≤ holders ≤ 16); escrows made to the old set become stale.
    function setKeyHolders(address[] calldata keyHolders_, uint8 threshold) external onlyGovernance {
        _setKeyHolders(keyHolders_, threshold);
    }

    /// @notice Changes how contributions become shares and the caps.
    function setContributionRules(ContributionRules calldata rules) external onlyGovernance {
        _setRules(rules);
    }

    /// @notice Changes the compute limits.
    function setComputeLimits(ComputeLimits calldata limits) external onlyGovernance {
        _setLimits(limits);
    }

    /// @notice Sets the fixed price: base-token units per datatoken, scaled by 1e18 (Ocean's rate).
    function setPrice(uint256 rate) external onlyGovernance {
        if (exchangeId == bytes32(0)) revert NoExchange();
        fixedRateExchange.setRate(exchangeId, rate);
        emit PriceChanged(rate);
    }

    /// @notice Opens or closes the sale on the fixed-rate exchange.
    function setSaleActive(bool active) external onlyGovernance {
        if (exchangeId == bytes32(0)) revert NoExchange();
        (,,,,,, bool current,,,,,) = fixedRateExchange.getExchange(exchangeId);
        if (current != active) fixedRateExchange.toggleExchangeState(exchangeId);
        emit SaleActiveChanged(active);
    }

    /// @notice Calls the pool's data NFT, datatoken or exchange as their owner (metadata, dispenser,
    /// minters…). Revenue never sits here (PoolRevenue holds it), and nothing else can be called.
    function oceanCall(address target, bytes calldata data) external onlyGovernance returns (bytes memory) {
        address dt = datatoken;
        if (dt == address(0) || (target != dt && target != IOceanDatatoken(dt).getERC721Address() && target != address(fixedRateExchange))) {
            revert ForbiddenTarget(target);
        }
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) revert OceanCallFailed(result);
        return result;
    }

    // ---------------------------------------------------------------- readers

    /// @notice Whether a trainer (keccak256 of its policy entry) is approved.
    function isTrainerApproved(bytes32 trainer) external view returns (bool) {
        return _trainers[trainer];
    }

    /// @notice Whether a custom algorithm (its SHA-256) is approved.
    function isAlgorithmApproved(bytes32 algorithmHash) external view returns (bool) {
        return _algorithms[algorithmHash];
    }

    /// @notice Whether `buyer` may run jobs on the pool (always, unless the allow-list is on).
    function isBuyerAllowed(address buyer) external view returns (bool) {
        return !buyerAllowListEnabled || _buyers[buyer];
    }

    /// @notice The pool's key holders.
    function keyHolders() external view returns (address[] memory) {
        return _keyHolders;
    }

    /// @notice The contribution rules.
    function contributionRules() external view returns (ContributionRules memory) {
        return _rules;
    }

    /// @notice The compute limits.
    function computeLimits() external view returns (ComputeLimits memory) {
        return _limits;
    }

    /// @notice Shares a contribution of `rows` rows earns under the current rules.
    function sharesFor(uint64 rows) external view returns (uint256) {
        return _sharesFor(rows);
    }

    /// @notice How many datasets were ever contributed (in any status).
    function datasetCount() external view returns (uint256) {
        return _datasetList.length;
    }

    /// @notice Datasets `offset` … `offset + limit - 1` in contribution order, status resolved.
    function getDatasets(uint256 offset, uint256 limit) external view returns (DatasetView[] memory page) {
        uint256 end = Math.min(_datasetList.length, offset + limit);
        if (offset >= end) return page;
        page = new DatasetView[](end - offset);
        for (uint256 i = offset; i < end; i++) page[i - offset] = getDataset(_datasetList[i]);
    }

    /// @notice One dataset by its datatoken, status resolved (None if never contributed).
    function getDataset(address datatoken_) public view returns (DatasetView memory) {
        Dataset storage d = _datasets[datatoken_];
        return DatasetView({
            datatoken: datatoken_,
            member: d.member,
            status: _status(d),
            rows: d.rows,
            shares: d.shares,
            addedAt: d.addedAt,
            keyEscrow: d.keyEscrow,
            keyHoldersEpoch: d.keyHoldersEpoch,
            cid: d.cid
        });
    }

    /// @notice Whether new jobs may use the dataset (accepted and its member still in the pool).
    function isDatasetActive(address datatoken_) external view returns (bool) {
        return _status(_datasets[datatoken_]) == DatasetStatus.Active;
    }

    /// @notice A member's accepted and pending dataset counts (both 0 for a non-member).
    function getMember(address account) external view returns (uint32 activeDatasets, uint32 pendingDatasets) {
        Member storage m = _members[account];
        return (m.activeDatasets, m.pendingDatasets);
    }

    // ---------------------------------------------------------------- internals

    function _requireDatasetOwner(address datatoken_, address owner) private view {
        if (!oceanFactory.erc20List(datatoken_)) revert NotOceanDatatoken(datatoken_);
        if (IERC721(IOceanDatatoken(datatoken_).getERC721Address()).ownerOf(1) != owner) revert NotDatasetOwner(datatoken_, owner);
    }

    function _contribute(address account, Contribution calldata c, bool viaSignature) private {
        if (c.datatoken == datatoken) revert InvalidContribution();
        if (bytes(c.cid).length == 0 || bytes(c.cid).length > 256) revert InvalidContribution();
        if (c.keyEscrow == bytes32(0)) revert InvalidContribution();
        Dataset storage dataset = _datasets[c.datatoken];
        DatasetStatus status = _status(dataset);
        if (status == DatasetStatus.Pending || status == DatasetStatus.Active) revert DatasetAlreadyAdded(c.datatoken);
        // Governance's removal is final; a withdrawal (by the member, or by leaving) is not.
        if (status == DatasetStatus.Removed) revert DatasetRemovedByGovernance(c.datatoken);
        if (dataset.addedAt == 0) _datasetList.push(c.datatoken);
        Member storage m = _members[account];
        dataset.member = account;
        dataset.memberEpoch = m.epoch;
        dataset.status = DatasetStatus.Pending;
        dataset.keyHoldersEpoch = keyHoldersEpoch;
        dataset.rows = c.rows;
        dataset.shares = 0;
        dataset.addedAt = uint64(block.number);
        dataset.keyEscrow = c.keyEscrow;
        dataset.cid = c.cid;
        emit DatasetContributed(c.datatoken, account, c.cid, c.keyEscrow, c.rows, viaSignature);
        if (_rules.openAdmission) {
            _accept(c.datatoken, dataset, _sharesFor(c.rows));
        } else {
            m.pendingDatasets++;
        }
    }

    function _accept(address datatoken_, Dataset storage dataset, uint256 shares) private {
        ContributionRules storage rules = _rules;
        if (shares == 0) revert ZeroShares();
        if (shares > rules.maxSharesPerContribution) revert SharesOverCap(shares, rules.maxSharesPerContribution);
        uint256 supply = shareToken.totalSupply();
        if (supply + shares > rules.maxTotalShares) revert SharesOverCap(supply + shares, rules.maxTotalShares);
        dataset.status = DatasetStatus.Active;
        dataset.shares = uint128(shares);
        Member storage m = _members[dataset.member];
        if (m.activeDatasets++ == 0) memberCount++;
        shareToken.mint(dataset.member, shares);
        emit DatasetAccepted(datatoken_, dataset.member, shares);
    }

    function _sharesFor(uint64 rows) private view returns (uint256) {
        ContributionRules storage rules = _rules;
        return Math.min(rules.baseShares + uint256(rows) * rules.sharesPerRow, rules.maxSharesPerContribution);
    }

    function _status(Dataset storage dataset) private view returns (DatasetStatus) {
        DatasetStatus status = dataset.status;
        if ((status == DatasetStatus.Pending || status == DatasetStatus.Active) && _members[dataset.member].epoch != dataset.memberEpoch) {
            return DatasetStatus.Withdrawn;
        }
        return status;
    }

    function _setTrainer(bytes32 trainer, bool approved) private {
        _trainers[trainer] = approved;
        emit TrainerApproval(trainer, approved);
    }

    function _setAlgorithm(bytes32 algorithmHash, bool approved) private {
        _algorithms[algorithmHash] = approved;
        emit AlgorithmApproval(algorithmHash, approved);
    }

    function _setBuyer(address buyer, bool allowed) private {
        _buyers[buyer] = allowed;
        emit BuyerAllowed(buyer, allowed);
    }

    function _setKeyHolders(address[] memory holders, uint8 threshold) private {
        uint256 n = holders.length;
        if (n == 0 || n > MAX_KEY_HOLDERS || threshold == 0 || threshold > n) revert InvalidKeyHolders();
        for (uint256 i = 0; i < n; i++) {
            if (holders[i] == address(0)) revert InvalidKeyHolders();
            for (uint256 j = 0; j < i; j++) if (holders[i] == holders[j]) revert InvalidKeyHolders();
        }
        _keyHolders = holders;
        keyHolderThreshold = threshold;
        uint32 epoch = ++keyHoldersEpoch;
        emit KeyHoldersChanged(holders, threshold, epoch);
    }

    function _setRules(ContributionRules memory rules) private {
        if (rules.maxSharesPerContribution == 0) revert InvalidContributionRules();
        if (rules.maxTotalShares < rules.maxSharesPerContribution) revert InvalidContributionRules();
        // ERC20Votes checkpoints hold 208 bits; the cap keeps every mint representable.
        if (rules.maxTotalShares > type(uint128).max / 2) revert InvalidContributionRules();
        if (rules.baseShares == 0 && rules.sharesPerRow == 0) revert InvalidContributionRules();
        _rules = rules;
        emit ContributionRulesChanged(rules);
    }

    function _setLimits(ComputeLimits memory limits) private {
        if (limits.maxEpochs == 0 || limits.maxEpochs > 10_000) revert InvalidComputeLimits();
        if (limits.maxWallTimeSeconds == 0 || limits.maxWallTimeSeconds > 86_400) revert InvalidComputeLimits();
        if (limits.maxMemoryMb < 128 || limits.maxMemoryMb > 65_536) revert InvalidComputeLimits();
        if (limits.maxOutputBytes < 1024 || limits.maxOutputBytes > 1 << 30) revert InvalidComputeLimits();
        if (limits.epsilonMicros > 1000 * 1e6) revert InvalidComputeLimits();
        if (limits.deltaPicos > 1e10 || (limits.deltaPicos != 0 && limits.epsilonMicros == 0)) revert InvalidComputeLimits();
        _limits = limits;
        emit ComputeLimitsChanged(limits);
    }
}

/// @dev The PoolRevenue getter `completeSetup` checks.
interface IPoolRevenueView {
    function pool() external view returns (address);
}

/// @dev The two PoolGovernor getters `completeSetup` checks.
interface IPoolGovernorView {
    function token() external view returns (address);
    function timelock() external view returns (address);
}
